//! Listening addresses as Python app servers write them: Gunicorn's and
//! Hypercorn's `--bind`, or a host and a port given apart.

/// Where a server listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bind {
    /// `host` lower-cased, without IPv6 brackets; empty (as in `:8000`)
    /// means every interface.
    Tcp {
        host: String,
        port: u16,
    },
    Unix {
        path: String,
    },
    /// `fd://3`: a socket the parent process passes down.
    Fd(u32),
}

impl std::fmt::Display for Bind {
    /// Gunicorn's spelling: `HOST:PORT` (`[V6]:PORT`), `unix:PATH`, `fd://N`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bind::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Bind::Tcp { host, port } => write!(f, "{host}:{port}"),
            Bind::Unix { path } => write!(f, "unix:{path}"),
            Bind::Fd(fd) => write!(f, "fd://{fd}"),
        }
    }
}

/// The port Gunicorn and Hypercorn use when a bind names only a host.
pub const DEFAULT_PORT: u16 = 8000;

impl Bind {
    /// Gunicorn's bind syntax (Hypercorn shares it): `HOST`, `HOST:PORT`,
    /// `[V6]:PORT`, `:PORT`, `unix:PATH` (or `unix://PATH`), `fd://FD`,
    /// `tcp://HOST:PORT`; the port is 8000 when none is given.
    pub fn parse(text: &str) -> Result<Bind, String> {
        if let Some(path) = text.strip_prefix("unix:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            return Ok(Bind::Unix { path: path.to_string() });
        }
        if let Some(fd) = text.strip_prefix("fd://") {
            return fd
                .parse()
                .map(Bind::Fd)
                .map_err(|_| format!("`{fd}` is not a file descriptor"));
        }
        let address = text.strip_prefix("tcp://").unwrap_or(text);
        let (host, port) = if let Some(v6) = address.strip_prefix('[').filter(|a| a.contains(']')) {
            let (host, rest) = v6.split_once(']').unwrap_or((v6, ""));
            (host, rest.strip_prefix(':'))
        } else {
            // Gunicorn keeps the first two fields of `a:b:c`.
            let mut fields = address.split(':');
            (fields.next().unwrap_or_default(), fields.next())
        };
        let port = match port {
            Some(port) => port.parse().map_err(|_| format!("`{port}` is not a port number"))?,
            None => DEFAULT_PORT,
        };
        Ok(Bind::tcp(host, port))
    }

    /// A host and a port given apart (`--host ::1 --port 8000`).
    pub fn tcp(host: &str, port: u16) -> Bind {
        let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        Bind::Tcp {
            host: host.to_ascii_lowercase(),
            port,
        }
    }

    pub fn port(&self) -> Option<u16> {
        match self {
            Bind::Tcp { port, .. } => Some(*port),
            _ => None,
        }
    }

    /// Listens on the container's loopback only: unreachable from other
    /// containers.
    pub fn is_loopback(&self) -> bool {
        matches!(self, Bind::Tcp { host, .. } if is_loopback(host))
    }

    /// Listens on every interface: `0.0.0.0`, `::` or an empty host.
    pub fn is_every_interface(&self) -> bool {
        matches!(self, Bind::Tcp { host, .. } if matches!(host.as_str(), "" | "0.0.0.0" | "::"))
    }
}

/// Whether a host name means the machine (or container) itself.
pub fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "::1" | "[::1]") || host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(host: &str, port: u16) -> Bind {
        Bind::Tcp {
            host: host.to_string(),
            port,
        }
    }

    #[test]
    fn gunicorn_bind_forms() {
        assert_eq!(Bind::parse("0.0.0.0:8000"), Ok(tcp("0.0.0.0", 8000)));
        assert_eq!(Bind::parse(":8000"), Ok(tcp("", 8000)));
        assert_eq!(Bind::parse("[::]:8000"), Ok(tcp("::", 8000)));
        assert_eq!(Bind::parse("[::1]"), Ok(tcp("::1", 8000)));
        assert_eq!(Bind::parse("LOCALHOST"), Ok(tcp("localhost", 8000)));
        assert_eq!(Bind::parse("tcp://10.0.0.1:9000"), Ok(tcp("10.0.0.1", 9000)));
        assert_eq!(
            Bind::parse("unix:/tmp/gunicorn.sock"),
            Ok(Bind::Unix {
                path: "/tmp/gunicorn.sock".into()
            })
        );
        assert_eq!(
            Bind::parse("unix:///run/g.sock"),
            Ok(Bind::Unix {
                path: "/run/g.sock".into()
            })
        );
        assert_eq!(Bind::parse("fd://3"), Ok(Bind::Fd(3)));
        assert!(Bind::parse("0.0.0.0:http").is_err());
        assert!(Bind::parse("0.0.0.0:70000").is_err());
        assert!(Bind::parse("fd://x").is_err());
    }

    #[test]
    fn interfaces() {
        assert!(tcp("127.0.0.1", 8000).is_loopback());
        assert!(tcp("::1", 8000).is_loopback());
        assert!(!tcp("0.0.0.0", 8000).is_loopback());
        for every in ["", "0.0.0.0", "::"] {
            assert!(tcp(every, 8000).is_every_interface());
        }
        assert!(!Bind::Fd(3).is_every_interface());
        assert_eq!(Bind::tcp("[::]", 80), tcp("::", 80));
    }
}
