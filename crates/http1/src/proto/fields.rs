//! Where a head's parts are: offsets into the head's buffer, so a parsed head is one `Bytes` and a
//! list of small integers, however many fields it has.
//!
//! (Keeping the list inline for small heads was measured and lost: the larger head costs more to
//! move through the decoder's results than the one allocation it saves.)

use std::ops::Range;

/// A byte range of a head's buffer. `u32` offsets: the header-size limit is capped to fit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    /// The place of `inner` inside `outer` (both from one buffer).
    #[inline]
    pub(crate) fn of(outer: &[u8], inner: &[u8]) -> Span {
        // An empty slice may point anywhere (httparse gives `""` for an empty reason).
        if inner.is_empty() {
            return Span { start: 0, end: 0 };
        }
        // Both slices come from one buffer, so the difference of their addresses is the offset.
        let start = (inner.as_ptr() as usize).wrapping_sub(outer.as_ptr() as usize);
        debug_assert!(start + inner.len() <= outer.len());
        Span { start: start as u32, end: (start + inner.len()) as u32 }
    }

    #[inline]
    pub(crate) fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One field line: its name and its value (without surrounding whitespace).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) name: Span,
    pub(crate) value: Span,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_of_a_subslice() {
        let buf = b"Host: a";
        assert_eq!(Span::of(buf, &buf[6..]).range(), 6..7);
        assert_eq!(Span::of(buf, b"").range(), 0..0);
    }
}
