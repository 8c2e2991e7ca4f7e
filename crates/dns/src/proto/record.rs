//! Resource records (RFC 1035 §4.1.3) of the answer, authority and additional sections.

use super::class::Class;
use super::compress::Writer;
use super::error::Error;
use super::name::Name;
use super::rdata::RData;
use super::rtype::RecordType;
use super::wire::Reader;

/// A resource record: an owner name, a class, a TTL and data, whose variant gives the record's
/// type (so a record cannot claim one type and hold another's data).
///
/// ```
/// use std::net::Ipv4Addr;
/// use netcore_dns::proto::{Name, RData, Record, RecordType};
///
/// let a = Record::new(Name::from_ascii("example.com")?, 300, RData::A(Ipv4Addr::new(192, 0, 2, 1)));
/// assert_eq!(a.rtype(), RecordType::A);
/// # Ok::<(), netcore_dns::proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    /// The owner name.
    pub name: Name,
    /// The class, nearly always [`Class::IN`]. The data is decoded by type alone, whatever the
    /// class.
    pub class: Class,
    /// Seconds the record may be cached. Kept as received; RFC 2181 §8 says a value with the top
    /// bit set is to be treated as 0.
    pub ttl: u32,
    /// The data, which carries the type.
    pub rdata: RData,
}

impl Record {
    /// A record in class IN.
    pub fn new(name: Name, ttl: u32, rdata: RData) -> Record {
        Record { name, class: Class::IN, ttl, rdata }
    }

    /// The record's type: its data's.
    pub fn rtype(&self) -> RecordType {
        self.rdata.rtype()
    }

    /// Decodes the fields after the owner name and type: CLASS, TTL, RDLENGTH and RDATA.
    pub(crate) fn decode_rest(r: &mut Reader<'_>, name: Name, rtype: RecordType) -> Result<Record, Error> {
        let class = Class::new(r.u16()?);
        let ttl = r.u32()?;
        let rdlength_at = r.pos();
        let rdlength = r.u16()?;
        let mut rdata = r.sub(usize::from(rdlength))?;
        let data = RData::decode(&mut rdata, rtype, rdlength_at)?;
        r.set_pos(rdata.pos());
        Ok(Record { name, class, ttl, rdata: data })
    }

    /// Appends the record, its owner name compressed.
    pub(crate) fn encode(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        w.name(&self.name, true);
        w.u16(self.rtype().get());
        w.u16(self.class.get());
        w.u32(self.ttl);
        let rdlength_at = w.len();
        w.u16(0);
        self.rdata.encode(w)?;
        let rdlength = w.len() - rdlength_at - 2;
        let rdlength = u16::try_from(rdlength).map_err(|_| Error::MessageTooLong { len: w.len() })?;
        w.patch_u16(rdlength_at, rdlength);
        Ok(())
    }
}
