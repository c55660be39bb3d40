//! TLS configuration (RFC 3261 §26.2.1, TLS 1.2/1.3 via rustls): the server side from PEM
//! files, and the client side for carriers, which trusts the system's CA store plus an
//! optional PEM bundle (a carrier with a private CA).

use crate::EngineError;
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// Builds an acceptor from a PEM certificate chain and a PEM private key.
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, EngineError> {
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| EngineError::Tls(format!("cannot read {}: {e}", p.display())))
    };
    let cert_pem = read(cert)?;
    let key_pem = read(key)?;
    let certs = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| EngineError::Tls(format!("{}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(EngineError::Tls(format!(
            "{}: no PEM certificate found",
            cert.display()
        )));
    }
    let key = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .map_err(|e| EngineError::Tls(format!("{}: {e}", key.display())))?
        .ok_or_else(|| EngineError::Tls(format!("{}: no PEM private key found", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| EngineError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| EngineError::Tls(format!("certificate and key do not fit: {e}")))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Builds the connector for TLS trunks: the system CA store (rustls-native-certs) plus
/// the certificates of `extra_ca`; the carrier's certificate must name the trunk host.
pub fn connector(extra_ca: Option<&Path>) -> Result<TlsConnector, EngineError> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = extra_ca {
        let pem = std::fs::read(path)
            .map_err(|e| EngineError::Tls(format!("cannot read {}: {e}", path.display())))?;
        let certs = rustls_pemfile::certs(&mut pem.as_slice())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| EngineError::Tls(format!("{}: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(EngineError::Tls(format!(
                "{}: no PEM certificate found",
                path.display()
            )));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| EngineError::Tls(format!("{}: {e}", path.display())))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| EngineError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}
