//! The question section's entries (RFC 1035 §4.1.2).

use super::class::Class;
use super::name::Name;
use super::rtype::RecordType;

/// What is asked: a name, a type and a class. A query has exactly one (RFC 9619); the response
/// repeats it.
///
/// ```
/// use netcore_dns::proto::{Class, Name, Question, RecordType};
///
/// let q = Question::new(Name::from_ascii("example.com")?, RecordType::MX);
/// assert_eq!(q.qclass, Class::IN);
/// # Ok::<(), netcore_dns::proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Question {
    /// QNAME.
    pub name: Name,
    /// QTYPE: a record type, or [`RecordType::ANY`].
    pub qtype: RecordType,
    /// QCLASS, nearly always [`Class::IN`].
    pub qclass: Class,
}

impl Question {
    /// A question for `name` and `qtype` in class IN.
    pub fn new(name: Name, qtype: RecordType) -> Question {
        Question { name, qtype, qclass: Class::IN }
    }
}
