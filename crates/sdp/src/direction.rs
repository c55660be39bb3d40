//! Media direction attributes `sendrecv`, `sendonly`, `recvonly`, `inactive`
//! (RFC 8866 §6.7) and the answer rule of RFC 3264 §6.1.
//!
//! Invariant: a direction is exactly a pair of flags (sends, receives); every conversion goes
//! through that pair, so the RFC 3264 §6.1 table is the flag intersection.

/// The direction of a media stream, seen from the side that wrote the description
/// (RFC 8866 §6.7.1–§6.7.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// `a=sendrecv`: sends and receives; the default (RFC 8866 §6.7.1).
    #[default]
    SendRecv,
    /// `a=sendonly`: sends only (RFC 8866 §6.7.2).
    SendOnly,
    /// `a=recvonly`: receives only (RFC 8866 §6.7.3).
    RecvOnly,
    /// `a=inactive`: neither sends nor receives (RFC 8866 §6.7.4).
    Inactive,
}

impl Direction {
    /// Builds the direction from its two flags (RFC 8866 §6.7).
    pub fn from_flags(sends: bool, receives: bool) -> Direction {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// Whether the writer of the description sends media (RFC 8866 §6.7).
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether the writer of the description receives media (RFC 8866 §6.7).
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The same stream seen from the other side: sendonly ↔ recvonly (RFC 3264 §6.1).
    pub fn reversed(self) -> Direction {
        Direction::from_flags(self.receives(), self.sends())
    }

    /// The direction to answer to an offered direction when the answerer itself wants
    /// `local` (RFC 3264 §6.1 table): sendonly→recvonly, recvonly→sendonly,
    /// inactive→inactive, sendrecv→`local`; never more than either side allows.
    pub fn answer(offered: Direction, local: Direction) -> Direction {
        Direction::from_flags(
            offered.receives() && local.sends(),
            offered.sends() && local.receives(),
        )
    }

    /// The attribute name (RFC 8866 §6.7).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// Parses an attribute name; attribute names are case-sensitive (RFC 8866 §5.13).
    pub fn from_name(name: &str) -> Option<Direction> {
        match name {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Direction::{self, *};

    const ALL: [Direction; 4] = [SendRecv, SendOnly, RecvOnly, Inactive];

    #[test]
    fn rfc3264_s6_1_table_with_sendrecv_answerer() {
        assert_eq!(Direction::answer(SendOnly, SendRecv), RecvOnly);
        assert_eq!(Direction::answer(RecvOnly, SendRecv), SendOnly);
        assert_eq!(Direction::answer(Inactive, SendRecv), Inactive);
        assert_eq!(Direction::answer(SendRecv, SendRecv), SendRecv);
    }

    #[test]
    fn rfc3264_s6_1_answer_never_exceeds_local_wish() {
        for offered in ALL {
            for local in ALL {
                let a = Direction::answer(offered, local);
                assert!(!a.sends() || (local.sends() && offered.receives()));
                assert!(!a.receives() || (local.receives() && offered.sends()));
            }
        }
        assert_eq!(Direction::answer(SendRecv, SendOnly), SendOnly);
        assert_eq!(Direction::answer(SendOnly, SendOnly), Inactive);
    }

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for d in ALL {
            assert_eq!(Direction::from_name(d.as_str()), Some(d));
            assert_eq!(Direction::from_flags(d.sends(), d.receives()), d);
            assert_eq!(d.reversed().reversed(), d);
        }
        assert_eq!(Direction::from_name("SENDRECV"), None);
        assert_eq!(Direction::default(), SendRecv);
    }
}
