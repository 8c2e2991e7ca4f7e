//! A checked cursor over a received message: every read is bounds-checked against a limit (the
//! end of the message, or of one record's RDATA) and fails with [`Error::Truncated`] at the
//! offset of the field that does not fit. Nothing here can panic.

use super::error::Error;
use super::name::Name;

/// A position in a message and the limit reads may not cross. `msg` is always the whole message,
/// so that compression pointers can reach any earlier byte.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    msg: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    /// A reader over the whole of `msg`, from its start.
    pub(crate) fn new(msg: &'a [u8]) -> Reader<'a> {
        Reader { msg, pos: 0, end: msg.len() }
    }

    /// A reader over `len` bytes from the current position (one record's RDATA), or
    /// [`Error::Truncated`] at the current position if they are not all there.
    pub(crate) fn sub(&self, len: usize) -> Result<Reader<'a>, Error> {
        match self.pos.checked_add(len) {
            Some(end) if end <= self.end => Ok(Reader { msg: self.msg, pos: self.pos, end }),
            _ => Err(Error::Truncated { offset: self.pos }),
        }
    }

    /// The current offset from the start of the message.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left before the limit.
    pub(crate) fn remaining(&self) -> usize {
        self.end.saturating_sub(self.pos)
    }

    /// Moves to `pos` (which a sub-reader reached).
    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    pub(crate) fn bytes(&mut self, len: usize) -> Result<&'a [u8], Error> {
        let truncated = Error::Truncated { offset: self.pos };
        let end = self.pos.checked_add(len).filter(|&end| end <= self.end).ok_or(truncated)?;
        let bytes = self.msg.get(self.pos..end).ok_or(truncated)?;
        self.pos = end;
        Ok(bytes)
    }

    /// The rest of the bytes up to the limit.
    pub(crate) fn rest(&mut self) -> Result<&'a [u8], Error> {
        self.bytes(self.remaining())
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Error> {
        match self.bytes(1)? {
            &[b] => Ok(b),
            _ => Err(Error::Truncated { offset: self.pos }),
        }
    }

    pub(crate) fn u16(&mut self) -> Result<u16, Error> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let start = self.pos;
        self.bytes(N)?.try_into().map_err(|_| Error::Truncated { offset: start })
    }

    /// A `<character-string>` (RFC 1035 §3.3): a length byte and that many bytes.
    pub(crate) fn character_string(&mut self) -> Result<&'a [u8], Error> {
        let len = self.u8()?;
        self.bytes(usize::from(len))
    }

    /// A domain name, following compression pointers (RFC 1035 §4.1.4).
    pub(crate) fn name(&mut self) -> Result<Name, Error> {
        let (name, next) = Name::decode(self.msg, self.pos, self.end)?;
        self.pos = next;
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_checked() {
        let msg = [1, 2, 2, 4, 5];
        let mut r = Reader::new(&msg);
        assert_eq!(r.u16(), Ok(0x0102));
        assert_eq!(r.u32(), Err(Error::Truncated { offset: 2 }));
        assert_eq!(r.pos(), 2);
        let mut sub = r.sub(2).unwrap_or(r);
        assert_eq!(sub.u8(), Ok(2));
        assert_eq!(sub.u16(), Err(Error::Truncated { offset: 3 }));
        assert_eq!(sub.rest(), Ok(&[4][..]));
        assert_eq!(r.sub(4).err(), Some(Error::Truncated { offset: 2 }));
        assert_eq!(r.bytes(usize::MAX).err(), Some(Error::Truncated { offset: 2 }));
        assert_eq!(r.character_string(), Ok(&[4, 5][..]));
        assert_eq!(r.character_string(), Err(Error::Truncated { offset: 5 }));
    }
}
