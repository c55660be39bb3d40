//! RTP port pairs from the configured range (RFC 3550 §11: RTP on an even port, RTCP on
//! the next odd one), handed out round-robin and bound on allocation.
//!
//! Invariants: a pair is either in the free queue or held by exactly one [`PortLease`];
//! freed pairs go to the back of the queue so a just-released port is reused last (late
//! packets of an old call do not reach a new one); a pair whose bind fails because another
//! process holds it goes to the back too and is skipped. The pool lock is held only to
//! pop or push one number, never while binding, and never on the packet path.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex, PoisonError};

use super::MediaError;

/// A thread-safe pool of RTP/RTCP port pairs on one address (RFC 3550 §11).
#[derive(Debug)]
pub struct PortPool {
    ip: IpAddr,
    /// Even RTP ports of the free pairs, next to allocate at the front.
    free: Mutex<VecDeque<u16>>,
}

/// A pair held by a session; returned to the back of its pool when dropped (RFC 3550 §11).
#[derive(Debug)]
pub struct PortLease {
    port: u16,
    pool: Arc<PortPool>,
}

/// The two bound sockets of a pair and the lease keeping it out of the pool
/// (RFC 3550 §11).
#[derive(Debug)]
pub struct BoundPair {
    /// Socket on the even RTP port.
    pub rtp: UdpSocket,
    /// Socket on the odd RTCP port (RTP port + 1).
    pub rtcp: UdpSocket,
    /// Returns the pair to the pool when dropped; drop it after the sockets.
    pub lease: PortLease,
}

impl PortLease {
    /// The even RTP port of the pair; RTCP is this + 1 (RFC 3550 §11).
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for PortLease {
    fn drop(&mut self) {
        self.pool.push_back(self.port);
    }
}

impl PortPool {
    /// A pool of every (even, odd) pair inside `ports` on `ip` (RFC 3550 §11); an odd
    /// start or an even end leaves that port out.
    pub fn new(ip: IpAddr, ports: RangeInclusive<u16>) -> Arc<PortPool> {
        let (start, end) = (u32::from(*ports.start()), u32::from(*ports.end()));
        let first = start + start % 2;
        let free = (first..end)
            .step_by(2)
            .filter_map(|p| u16::try_from(p).ok())
            .collect();
        Arc::new(PortPool {
            ip,
            free: Mutex::new(free),
        })
    }

    /// Number of pairs currently free (RFC 3550 §11).
    pub fn available(&self) -> usize {
        self.lock().len()
    }

    /// Binds the next free pair round-robin (RFC 3550 §11), skipping pairs another process
    /// holds; [`MediaError::PortsExhausted`] when none could be bound, [`MediaError::Bind`]
    /// for other bind failures (e.g. the address is not local).
    pub fn allocate(self: &Arc<Self>) -> Result<BoundPair, MediaError> {
        let attempts = self.available();
        for _ in 0..attempts {
            let Some(port) = self.lock().pop_front() else {
                break;
            };
            let lease = PortLease {
                port,
                pool: Arc::clone(self),
            };
            match self.bind(port) {
                Ok((rtp, rtcp)) => return Ok(BoundPair { rtp, rtcp, lease }),
                Err(e) if e.kind() == ErrorKind::AddrInUse => continue,
                Err(e) => return Err(MediaError::Bind(e)),
            }
        }
        Err(MediaError::PortsExhausted)
    }

    fn bind(&self, port: u16) -> std::io::Result<(UdpSocket, UdpSocket)> {
        let rtp = UdpSocket::bind(SocketAddr::new(self.ip, port))?;
        let rtcp = UdpSocket::bind(SocketAddr::new(self.ip, port + 1))?;
        Ok((rtp, rtcp))
    }

    fn push_back(&self, port: u16) {
        self.lock().push_back(port);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<u16>> {
        self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn pairs_are_even_odd_inside_the_range() {
        let pool = PortPool::new(LOCAL, 41_001..=41_006);
        assert_eq!(*pool.lock(), VecDeque::from(vec![41_002, 41_004]));
        let top = PortPool::new(LOCAL, 65_534..=65_535);
        assert_eq!(*top.lock(), VecDeque::from(vec![65_534]));
        assert_eq!(PortPool::new(LOCAL, 5..=5).available(), 0);
    }

    #[test]
    fn round_robin_reuses_freed_pairs_last_and_skips_busy_ones() {
        let pool = PortPool::new(LOCAL, 41_100..=41_105);
        let first = pool.allocate().expect("first pair");
        assert_eq!(first.lease.port(), 41_100);
        drop(first);
        let second = pool.allocate().expect("second pair");
        assert_eq!(second.lease.port(), 41_102, "a freed pair is reused last");

        let squatter = UdpSocket::bind((LOCAL, 41_105)).expect("squat the RTCP port");
        let third = pool.allocate().expect("third pair");
        assert_eq!(third.lease.port(), 41_100, "41104 is busy and skipped");
        assert!(matches!(pool.allocate(), Err(MediaError::PortsExhausted)));
        drop(squatter);
        assert_eq!(pool.allocate().expect("now free").lease.port(), 41_104);
    }

    #[test]
    fn foreign_address_is_a_bind_error() {
        let pool = PortPool::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 41_200..=41_201);
        assert!(matches!(pool.allocate(), Err(MediaError::Bind(_))));
        assert_eq!(pool.available(), 1, "the pair went back to the pool");
    }
}
