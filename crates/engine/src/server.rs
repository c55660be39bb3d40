//! Start-up, the dispatcher that hands received bytes to the right shard, and shutdown.
//!
//! Messages are spread over shards by Call-ID, so all messages of one transaction or
//! dialog meet in the same shard while different calls run on both cores. A shard's lock
//! is held only while the sans-IO core runs; sends happen after it is released.

use crate::active::ActiveCalls;
use crate::config::EngineConfig;
use crate::core::{decode, shard_of_call_id, Cdr, Rejected, Save, Shared, SipCore};
use crate::location::Location;
use crate::media::relay::Relay;
use crate::media::MediaEvent;
use crate::metrics::Metrics;
use crate::persist;
use crate::registry::Registry;
use crate::transport::{stream, tls, udp, Transports};
use crate::EngineError;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::task::JoinHandle;
use vpbx_sip_msg::Transport;
use vpbx_sip_proto::digest::DigestVerifier;
use vpbx_sip_proto::transaction::{Peer, TimerConfig};
use vpbx_store::{SecretBox, Store};

/// Shards of the SIP core.
const SHARDS: usize = 16;
/// Timer resolution of the transaction layer.
const TIMER_TICK: Duration = Duration::from_millis(10);
/// Concurrent stream connections per listener.
const MAX_CONNECTIONS: usize = 20_000;

/// Seconds since 1970 from the system clock.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Milliseconds since 1970 (0 if the clock is before 1970).
pub fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Routes received bytes to shards and shard output to transports.
pub struct Dispatcher {
    shards: Vec<Mutex<SipCore>>,
    /// Sockets and connections.
    pub transports: Transports,
    /// Counters.
    pub metrics: Arc<Metrics>,
    saves: mpsc::UnboundedSender<Save>,
    cdrs: mpsc::UnboundedSender<Cdr>,
    voicemails: mpsc::UnboundedSender<crate::core::VoicemailDone>,
    registry: Arc<Registry>,
}

impl Dispatcher {
    /// Decodes `bytes` from `peer` and runs it through its shard. Err means the bytes were
    /// not SIP (counted and logged here); stream transports then close the connection.
    pub fn dispatch(&self, peer: Peer, bytes: &[u8]) -> Result<(), Rejected> {
        Metrics::inc(&self.metrics.received);
        let message = match decode(bytes) {
            Ok(m) => m,
            Err(e) => {
                let counter = match e {
                    Rejected::TooLarge(_) => &self.metrics.oversized,
                    Rejected::Unparseable(_) => &self.metrics.unparseable,
                };
                Metrics::inc(counter);
                self.metrics.warn_bad_input(peer.addr, &e.to_string());
                return Err(e);
            }
        };
        let call_id = message.headers().call_id().unwrap_or("");
        let shard = shard_of_call_id(call_id)
            .filter(|s| *s < self.shards.len())
            .unwrap_or_else(|| {
                let mut h = DefaultHasher::new();
                call_id.hash(&mut h);
                (h.finish() as usize) % self.shards.len()
            });
        let now = Instant::now();
        let now_unix = unix_now();
        self.run(shard, |core| core.handle(now, now_unix, peer, message));
        Ok(())
    }

    fn run(&self, shard: usize, f: impl FnOnce(&mut SipCore)) {
        let mut out = Vec::new();
        let (saves, cdrs, voicemails) = {
            let mut core = self.shards[shard].lock().unwrap_or_else(|e| e.into_inner());
            f(&mut core);
            while let Some(t) = core.poll_transmit() {
                out.push(t);
            }
            (
                core.drain_saves(),
                core.drain_cdrs(),
                core.drain_voicemails(),
            )
        };
        for t in out {
            self.transports.send(t);
        }
        for s in saves {
            let _ = self.saves.send(s);
        }
        for c in cdrs {
            let _ = self.cdrs.send(c);
        }
        for v in voicemails {
            let _ = self.voicemails.send(v);
        }
    }

    /// Hands a media-plane event to the shard owning the call (`owner` >> 48).
    fn media_event(&self, owner: u64, event: MediaEvent) {
        let shard = (owner >> 48) as usize;
        if shard < self.shards.len() {
            let now = Instant::now();
            self.run(shard, |core| core.handle_media_event(now, owner, event));
        }
    }

    /// Hands new message counts of a voicemail box to every shard: the box's subscriptions
    /// may be in any of them (RFC 3842 §3.5, NOTIFY on change).
    fn mailbox_changed(&self, update: &crate::core::MailboxUpdate) {
        let now = Instant::now();
        for shard in 0..self.shards.len() {
            self.run(shard, |core| core.mailbox_changed(now, update));
        }
    }

    /// The host name a TLS trunk at `addr` must prove with its certificate (RFC 3261
    /// §26.2.1), if a trunk is there.
    pub fn tls_name(&self, addr: SocketAddr) -> Option<String> {
        self.registry
            .all_trunks()
            .into_iter()
            .find(|(_, t)| t.transport == Transport::Tls && t.addr == Some(addr))
            .map(|(_, t)| t.host.trim_matches(['[', ']']).to_owned())
    }

    /// Calls in progress over all shards.
    pub fn calls(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).calls())
            .sum()
    }

    fn tick(&self) {
        let now = Instant::now();
        for i in 0..self.shards.len() {
            self.run(i, |core| core.handle_timeout(now));
        }
    }
}

/// A running server.
pub struct Engine {
    store: Store,
    dispatcher: Arc<Dispatcher>,
    location: Arc<Location>,
    registry: Arc<Registry>,
    live: Arc<crate::live::LiveCalls>,
    udp_addrs: Vec<SocketAddr>,
    tcp_addrs: Vec<SocketAddr>,
    tls_addr: Option<SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
    stop_writer: mpsc::Sender<oneshot::Sender<()>>,
    writer: JoinHandle<()>,
}

impl Engine {
    /// Opens the store, loads tenants, users and unexpired registrations, binds every
    /// listener and starts serving.
    pub async fn start(config: EngineConfig) -> Result<Engine, EngineError> {
        let store = Store::open(&config.data_dir).await?;
        let seq = store.change_seq().await?;
        let registry = Arc::new(Registry::new());
        let secrets = SecretBox::open_or_create(&config.data_dir)?;
        let tenants = crate::tenant_load::load_all(&store, &secrets).await?;
        let tenant_ids: Vec<vpbx_model::TenantId> = tenants.iter().map(|t| t.id).collect();
        registry.replace_all(tenants);
        let mailboxes = Arc::new(crate::mailbox::Mailboxes::default());
        let (mwi_tx, mwi_rx) = mpsc::unbounded_channel();
        let mwi = crate::mailbox::MailboxFeed::new(mailboxes.clone(), mwi_tx);
        for id in tenant_ids {
            mwi.load_tenant(&store, id).await?;
        }
        let location = Arc::new(Location::new());
        let now = unix_now();
        let mut restored = 0usize;
        for (tenant, b) in store.load_bindings(now as i64).await? {
            if let Some(binding) = persist::from_stored(&b) {
                location.update(tenant, b.extension.as_str(), |bs| bs.push(binding));
                restored += 1;
            }
        }
        tracing::info!(
            tenants = registry.len(),
            registrations = restored,
            "state loaded"
        );

        let secret = nonce_secret(&config.data_dir)?;
        let metrics = Arc::new(Metrics::default());
        let (sip_addr, media_ip) = advertised(&config);
        let (media_events, media_rx) = mpsc::unbounded_channel();
        let recorder = crate::media::recorder::Recorder::start(config.data_dir.clone())?;
        let recordings = Arc::new(crate::recordings::RecordingBook::default());
        let relay = Relay::new(
            media_ip,
            config.rtp_ports.clone(),
            config.rtp_timeout,
            media_events,
            Some(recorder.clone()),
        );
        let trunk_states = Arc::new(crate::trunk_state::TrunkStates::new());
        let active = Arc::new(ActiveCalls::new());
        let live = active.live().clone();
        let shared = Arc::new(Shared {
            registry: registry.clone(),
            location: location.clone(),
            verifier: DigestVerifier::new(secret, config.nonce_ttl_secs)
                .with_algorithms(config.digest_algorithms.clone()),
            policy: config.registrar.clone(),
            metrics: metrics.clone(),
            media: Arc::new(relay),
            active,
            sip_addr,
            ring_timeout: config.ring_timeout,
            default_call_limit: config.default_call_limit,
            trunk_states: trunk_states.clone(),
            recordings: recordings.clone(),
            data_dir: config.data_dir.clone(),
            mailboxes,
        });
        let tag_base: u32 = rand::random();
        let shards = (0..SHARDS)
            .map(|i| {
                Mutex::new(SipCore::new(
                    shared.clone(),
                    TimerConfig::default(),
                    i as u16,
                    tag_base.wrapping_add(i as u32),
                ))
            })
            .collect();

        let mut udp_sockets = Vec::new();
        let mut tcp_listeners = Vec::new();
        for addr in &config.sip {
            let (u, t) = bind_pair(*addr).await?;
            udp_sockets.push(Arc::new(u));
            tcp_listeners.push(t);
        }
        let tls = match &config.tls {
            Some(c) => {
                let acceptor = tls::acceptor(&c.cert, &c.key)?;
                let l = TcpListener::bind(c.addr)
                    .await
                    .map_err(|source| EngineError::Bind {
                        addr: c.addr,
                        source,
                    })?;
                Some((l, acceptor))
            }
            None => None,
        };

        let (saves_tx, saves_rx) = mpsc::unbounded_channel();
        let (cdrs_tx, cdrs_rx) = mpsc::unbounded_channel();
        let (stop_writer, stop_rx) = mpsc::channel(1);
        let writer = tokio::spawn(persist::write_behind(
            store.clone(),
            saves_rx,
            cdrs_rx,
            stop_rx,
        ));
        let (voicemails_tx, voicemails_rx) = mpsc::unbounded_channel();
        let dispatcher = Arc::new(Dispatcher {
            shards,
            transports: Transports::new(udp_sockets.clone()),
            metrics,
            saves: saves_tx.clone(),
            cdrs: cdrs_tx,
            voicemails: voicemails_tx,
            registry: registry.clone(),
        });
        tasks_media(&dispatcher, media_rx);

        let idle = Duration::from_secs(u64::from(config.registrar.max_expires) + 120);
        dispatcher.transports.enable_dialing(
            Arc::downgrade(&dispatcher),
            idle,
            tls::connector(config.carrier_ca.as_deref())?,
        );
        let mut tasks = Vec::new();
        tasks.push(tokio::spawn(crate::voicemail::deliver(
            store.clone(),
            config.data_dir.clone(),
            config.smtp.clone(),
            voicemails_rx,
            mwi.clone(),
        )));
        tasks.push(tasks_mwi(&dispatcher, mwi_rx));
        let receivers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut udp_addrs = Vec::new();
        for (i, s) in udp_sockets.iter().enumerate() {
            udp_addrs.push(s.local_addr()?);
            for _ in 0..receivers {
                tasks.push(tokio::spawn(udp::serve(
                    s.clone(),
                    i as u64,
                    dispatcher.clone(),
                )));
            }
        }
        let mut tcp_addrs = Vec::new();
        for l in tcp_listeners {
            tcp_addrs.push(l.local_addr()?);
            tasks.push(tokio::spawn(accept_tcp(l, dispatcher.clone(), idle)));
        }
        let tls_addr = match tls {
            Some((l, acceptor)) => {
                let a = l.local_addr()?;
                tasks.push(tokio::spawn(accept_tls(
                    l,
                    acceptor,
                    dispatcher.clone(),
                    idle,
                )));
                Some(a)
            }
            None => None,
        };
        let d = dispatcher.clone();
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(TIMER_TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tick.tick().await;
                d.tick();
            }
        }));
        tasks.push(tokio::spawn(crate::trunk_state::publish(
            trunk_states,
            config.data_dir.clone(),
        )));
        tasks.push(tokio::spawn(persist::reload(
            store.clone(),
            secrets,
            registry.clone(),
            location.clone(),
            mwi,
            seq,
            config.reload_interval,
        )));
        tasks.push(tokio::spawn(crate::recordings::sweeper(
            store.clone(),
            config.data_dir.clone(),
            recorder,
            recordings,
            config.recording_min_free,
        )));
        tasks.push(tokio::spawn(persist::expire(
            location.clone(),
            saves_tx,
            Duration::from_secs(5),
        )));
        for a in &udp_addrs {
            tracing::info!(addr = %a, "SIP over UDP and TCP");
        }
        if let Some(a) = tls_addr {
            tracing::info!(addr = %a, "SIP over TLS");
        }
        Ok(Engine {
            store,
            dispatcher,
            location,
            registry,
            live,
            udp_addrs,
            tcp_addrs,
            tls_addr,
            tasks,
            stop_writer,
            writer,
        })
    }

    /// Bound UDP addresses (useful when port 0 was asked for).
    pub fn udp_addrs(&self) -> &[SocketAddr] {
        &self.udp_addrs
    }

    /// Bound TCP addresses.
    pub fn tcp_addrs(&self) -> &[SocketAddr] {
        &self.tcp_addrs
    }

    /// Bound TLS address.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    /// Counters.
    pub fn metrics(&self) -> &Metrics {
        &self.dispatcher.metrics
    }

    /// The store the engine uses.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Number of tenants in memory.
    pub fn tenant_count(&self) -> usize {
        self.registry.len()
    }

    /// The calls in progress of every tenant (shared with the shards, always current).
    pub fn live_calls(&self) -> Arc<crate::live::LiveCalls> {
        self.live.clone()
    }

    /// Registered contacts per tenant in memory.
    pub fn registration_counts(&self) -> std::collections::HashMap<vpbx_model::TenantId, usize> {
        self.location.counts()
    }

    /// Stops listening, then writes every queued registration to the store.
    pub async fn shutdown(self) {
        for t in &self.tasks {
            t.abort();
        }
        let (done_tx, done_rx) = oneshot::channel();
        if self.stop_writer.send(done_tx).await.is_ok() {
            let _ = done_rx.await;
        }
        let _ = self.writer.await;
        tracing::info!("stopped");
    }
}

/// Binds UDP and TCP on the same address; with port 0, both get the same free port.
async fn bind_pair(addr: SocketAddr) -> Result<(tokio::net::UdpSocket, TcpListener), EngineError> {
    let mut last = None;
    for _ in 0..20 {
        let u = udp::bind(addr)?;
        let a = u.local_addr()?;
        match TcpListener::bind(a).await {
            Ok(t) => return Ok((u, t)),
            Err(source) if addr.port() == 0 => last = Some(source),
            Err(source) => return Err(EngineError::Bind { addr, source }),
        }
    }
    Err(EngineError::Bind {
        addr,
        source: last.unwrap_or_else(|| std::io::Error::other("no free port")),
    })
}

async fn accept_tcp(listener: TcpListener, dispatcher: Arc<Dispatcher>, idle: Duration) {
    let limit = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = limit.clone().acquire_owned().await else {
            return;
        };
        match listener.accept().await {
            Ok((s, addr)) => {
                let _ = s.set_nodelay(true);
                let d = dispatcher.clone();
                tokio::spawn(async move {
                    stream::serve(s, addr, Transport::Tcp, d, idle).await;
                    drop(permit);
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "TCP accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn accept_tls(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    dispatcher: Arc<Dispatcher>,
    idle: Duration,
) {
    let limit = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = limit.clone().acquire_owned().await else {
            return;
        };
        match listener.accept().await {
            Ok((s, addr)) => {
                let _ = s.set_nodelay(true);
                let d = dispatcher.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let hs = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(s));
                    match hs.await {
                        Ok(Ok(tls)) => stream::serve(tls, addr, Transport::Tls, d, idle).await,
                        Ok(Err(e)) => tracing::debug!(%addr, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%addr, "TLS handshake timed out"),
                    }
                    drop(permit);
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "TLS accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// The key of stateless nonces: `<data>/nonce.key`, 32 random bytes made on first start
/// (mode 0600), so nonces stay valid across restarts.
fn nonce_secret(dir: &Path) -> Result<[u8; 32], EngineError> {
    let path = dir.join("nonce.key");
    if let Ok(bytes) = std::fs::read(&path) {
        if let Ok(k) = <[u8; 32]>::try_from(bytes.as_slice()) {
            return Ok(k);
        }
        tracing::warn!(path = %path.display(), "nonce key has the wrong size; making a new one");
    }
    let key: [u8; 32] = rand::random();
    write_private(&path, &key)?;
    Ok(key)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(bytes)
}

/// Feeds media-plane events (RTP timeouts) to the shards.
fn tasks_media(
    dispatcher: &Arc<Dispatcher>,
    mut events: mpsc::UnboundedReceiver<(u64, MediaEvent)>,
) {
    let d = dispatcher.clone();
    tokio::spawn(async move {
        while let Some((owner, event)) = events.recv().await {
            d.media_event(owner, event);
        }
    });
}

/// Feeds voicemail count changes to the shards (message waiting indication).
fn tasks_mwi(
    dispatcher: &Arc<Dispatcher>,
    mut updates: mpsc::UnboundedReceiver<crate::core::MailboxUpdate>,
) -> JoinHandle<()> {
    let d = dispatcher.clone();
    tokio::spawn(async move {
        while let Some(update) = updates.recv().await {
            d.mailbox_changed(&update);
        }
    })
}

/// Our SIP address for Via/Contact and the media address for SDP: the configured media
/// IP, else the first SIP address's IP, else (unspecified bind) the host's primary IP.
fn advertised(config: &EngineConfig) -> (SocketAddr, IpAddr) {
    let first = config
        .sip
        .first()
        .copied()
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 5060)));
    let host_ip = || {
        let probe = if first.is_ipv6() {
            "[2001:db8::1]:9"
        } else {
            "192.0.2.1:9"
        };
        let bind = if first.is_ipv6() {
            "[::]:0"
        } else {
            "0.0.0.0:0"
        };
        UdpSocket::bind(bind)
            .and_then(|s| s.connect(probe).and_then(|()| s.local_addr()))
            .map(|a| a.ip())
            .unwrap_or(if first.is_ipv6() {
                IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1])
            } else {
                IpAddr::from([127, 0, 0, 1])
            })
    };
    let sip_ip = if first.ip().is_unspecified() {
        config.media_ip.unwrap_or_else(host_ip)
    } else {
        first.ip()
    };
    let media_ip = config.media_ip.unwrap_or(sip_ip);
    (SocketAddr::new(sip_ip, first.port()), media_ip)
}
