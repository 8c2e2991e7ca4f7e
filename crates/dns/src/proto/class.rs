//! Record classes (RFC 1035 §3.2.4): CLASS in a record, QCLASS in a question. Nearly always
//! `IN`; OPT records reuse the field for the UDP payload size (see [`Edns`](super::Edns)).

use std::fmt;
use std::str::FromStr;

use super::error::Error;
use super::rtype::generic_number;

/// A record class: any 16-bit value, with the registered ones as constants.
///
/// Prints and parses as its mnemonic (`IN`), or as `CLASS` and the number (RFC 3597 §5).
///
/// ```
/// use netcore_dns::proto::Class;
///
/// assert_eq!("in".parse::<Class>().unwrap(), Class::IN);
/// assert_eq!(Class::new(42).to_string(), "CLASS42");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Class(u16);

impl Class {
    /// The Internet (RFC 1035 §3.2.4).
    pub const IN: Class = Class(1);
    /// Chaos (RFC 1035 §3.2.4), used for `version.bind`-style server queries.
    pub const CH: Class = Class(3);
    /// Hesiod (RFC 1035 §3.2.4).
    pub const HS: Class = Class(4);
    /// No class, in dynamic updates (RFC 2136 §2.4).
    pub const NONE: Class = Class(254);
    /// Any class, only in questions (RFC 1035 §3.2.5).
    pub const ANY: Class = Class(255);

    const NAMES: [(Class, &'static str); 5] =
        [(Class::IN, "IN"), (Class::CH, "CH"), (Class::HS, "HS"), (Class::NONE, "NONE"), (Class::ANY, "ANY")];

    /// The class with this number.
    pub const fn new(value: u16) -> Class {
        Class(value)
    }

    /// The class's number.
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl Default for Class {
    /// [`Class::IN`].
    fn default() -> Class {
        Class::IN
    }
}

impl From<u16> for Class {
    fn from(value: u16) -> Class {
        Class(value)
    }
}

impl From<Class> for u16 {
    fn from(c: Class) -> u16 {
        c.0
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Class::NAMES.iter().find(|(c, _)| c == self) {
            Some((_, name)) => f.write_str(name),
            None => write!(f, "CLASS{}", self.0),
        }
    }
}

impl fmt::Debug for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Class({self})")
    }
}

impl FromStr for Class {
    type Err = Error;

    /// A mnemonic (any case) or `CLASS` and a decimal number (RFC 3597 §5).
    fn from_str(s: &str) -> Result<Class, Error> {
        if let Some((c, _)) = Class::NAMES.iter().find(|(_, n)| n.eq_ignore_ascii_case(s)) {
            return Ok(*c);
        }
        generic_number(s, "CLASS").map(Class).ok_or(Error::UnknownMnemonic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonics() {
        let table: [(&str, Result<Class, Error>); 6] = [
            ("IN", Ok(Class::IN)),
            ("ch", Ok(Class::CH)),
            ("CLASS1", Ok(Class::IN)),
            ("CLASS4096", Ok(Class::new(4096))),
            ("CLASS", Err(Error::UnknownMnemonic)),
            ("INTERNET", Err(Error::UnknownMnemonic)),
        ];
        for (text, want) in table {
            assert_eq!(text.parse::<Class>(), want, "{text}");
        }
        for (c, name) in Class::NAMES {
            assert_eq!(c.to_string(), name);
        }
        assert_eq!(Class::default(), Class::IN);
    }
}
