//! ITU-T G.711 companding: µ-law and A-law conversion between 16-bit linear PCM and 8-bit
//! code words, bit-exact with the ITU-T G.191 (STL) reference implementation of G.711
//! (`ulaw_compress`/`ulaw_expand`, `alaw_compress`/`alaw_expand`).
//!
//! Decoding is a lookup in 256-entry tables built at compile time; encoding follows the
//! segment search of the reference. Invariants: every function is total (no input
//! panics); `decode(encode(decode(c))) == decode(c)` for every code word `c`.

/// µ-law code word to linear PCM, indexed by code word (ITU-T G.711 Table 2, values
/// scaled to 16 bits as in G.191 `ulaw_expand`).
static ULAW_TO_LINEAR: [i16; 256] = ulaw_table();

/// A-law code word to linear PCM, indexed by code word (ITU-T G.711 Table 1, values
/// scaled to 16 bits as in G.191 `alaw_expand`).
static ALAW_TO_LINEAR: [i16; 256] = alaw_table();

/// Expands one µ-law code word as G.191 `ulaw_expand` does (ITU-T G.711 Table 2).
const fn ulaw_expand(code: u8) -> i16 {
    let inverted = !code;
    let exponent = (inverted >> 4) & 0x07;
    let mantissa = (inverted & 0x0f) as i32;
    let step = 4i32 << (exponent + 1);
    let magnitude = (0x80i32 << exponent) + step * mantissa + step / 2 - 4 * 33;
    if code < 0x80 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

/// Expands one A-law code word as G.191 `alaw_expand` does (ITU-T G.711 Table 1).
const fn alaw_expand(code: u8) -> i16 {
    let ix = (code ^ 0x55) & 0x7f;
    let exponent = ix >> 4;
    let mut mantissa = (ix & 0x0f) as i32;
    if exponent > 0 {
        mantissa += 16;
    }
    mantissa = (mantissa << 4) + 8;
    if exponent > 1 {
        mantissa <<= exponent - 1;
    }
    if code > 127 {
        mantissa as i16
    } else {
        -mantissa as i16
    }
}

const fn ulaw_table() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = ulaw_expand(i as u8);
        i += 1;
    }
    table
}

const fn alaw_table() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = alaw_expand(i as u8);
        i += 1;
    }
    table
}

/// Encodes one linear sample to µ-law as G.191 `ulaw_compress` does (ITU-T G.711 §3,
/// Table 2): 14-bit magnitude with bias 33, segment search, inverted code word.
pub fn linear_to_ulaw(sample: i16) -> u8 {
    // One's complement of negative samples, as the reference: magnitude 0..=8191 + 33.
    let magnitude = if sample < 0 { !sample } else { sample };
    let absno = ((i32::from(magnitude) >> 2) + 33).min(0x1fff);
    let mut i = absno >> 6;
    let mut segment = 1;
    while i != 0 {
        segment += 1;
        i >>= 1;
    }
    let high = 8 - segment;
    let low = 0x0f - ((absno >> segment) & 0x0f);
    let code = ((high << 4) | low) as u8;
    if sample >= 0 {
        code | 0x80
    } else {
        code
    }
}

/// Decodes one µ-law code word to linear PCM (ITU-T G.711 Table 2, table lookup).
pub fn ulaw_to_linear(code: u8) -> i16 {
    ULAW_TO_LINEAR[usize::from(code)]
}

/// Encodes one linear sample to A-law as G.191 `alaw_compress` does (ITU-T G.711 §2,
/// Table 1): 12-bit magnitude, segment search, even bits inverted (XOR 0x55).
pub fn linear_to_alaw(sample: i16) -> u8 {
    // One's complement of negative samples, as the reference: magnitude 0..=2047.
    let mut ix = if sample < 0 {
        !sample >> 4
    } else {
        sample >> 4
    };
    if ix > 15 {
        let mut exponent = 1;
        while ix > 16 + 15 {
            ix >>= 1;
            exponent += 1;
        }
        ix -= 16;
        ix += exponent << 4;
    }
    if sample >= 0 {
        ix |= 0x80;
    }
    (ix as u8) ^ 0x55
}

/// Decodes one A-law code word to linear PCM (ITU-T G.711 Table 1, table lookup).
pub fn alaw_to_linear(code: u8) -> i16 {
    ALAW_TO_LINEAR[usize::from(code)]
}

/// Appends the µ-law encoding of `pcm` to `out` (ITU-T G.711 §3).
pub fn encode_ulaw(pcm: &[i16], out: &mut Vec<u8>) {
    out.extend(pcm.iter().map(|&s| linear_to_ulaw(s)));
}

/// Appends the linear PCM decoding of µ-law `codes` to `out` (ITU-T G.711 §3).
pub fn decode_ulaw(codes: &[u8], out: &mut Vec<i16>) {
    out.extend(codes.iter().map(|&c| ULAW_TO_LINEAR[usize::from(c)]));
}

/// Appends the A-law encoding of `pcm` to `out` (ITU-T G.711 §2).
pub fn encode_alaw(pcm: &[i16], out: &mut Vec<u8>) {
    out.extend(pcm.iter().map(|&s| linear_to_alaw(s)));
}

/// Appends the linear PCM decoding of A-law `codes` to `out` (ITU-T G.711 §2).
pub fn decode_alaw(codes: &[u8], out: &mut Vec<i16>) {
    out.extend(codes.iter().map(|&c| ALAW_TO_LINEAR[usize::from(c)]));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reference_values() {
        assert_eq!(ulaw_to_linear(0xff), 0);
        assert_eq!(ulaw_to_linear(0x7f), 0);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(alaw_to_linear(0xd5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xaa), 32256);
        assert_eq!(alaw_to_linear(0x2a), -32256);
        assert_eq!(linear_to_ulaw(0), 0xff);
        assert_eq!(linear_to_ulaw(-1), 0x7f);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(linear_to_alaw(0), 0xd5);
        assert_eq!(linear_to_alaw(-1), 0x55);
        assert_eq!(linear_to_alaw(i16::MAX), 0xaa);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2a);
        // G.711 Table 1/2 segment ends (16-bit scale): A-law 0x80 step, µ-law +1 bias.
        assert_eq!(alaw_to_linear(0xd4), 24);
        assert_eq!(ulaw_to_linear(0xfe), 8);
    }

    #[test]
    fn code_words_round_trip() {
        for code in 0..=255u8 {
            assert_eq!(
                linear_to_alaw(alaw_to_linear(code)),
                code,
                "A-law {code:#04x}"
            );
            // 0x7f is µ-law "negative zero": it decodes to 0, which encodes as 0xff.
            let expected = if code == 0x7f { 0xff } else { code };
            assert_eq!(
                linear_to_ulaw(ulaw_to_linear(code)),
                expected,
                "µ-law {code:#04x}"
            );
        }
    }

    #[test]
    fn tables_are_monotonic() {
        let mut ulaw: Vec<i16> = ULAW_TO_LINEAR.to_vec();
        let mut alaw: Vec<i16> = ALAW_TO_LINEAR.to_vec();
        ulaw.sort_unstable();
        alaw.sort_unstable();
        ulaw.dedup();
        alaw.dedup();
        assert_eq!(ulaw.len(), 255);
        assert_eq!(alaw.len(), 256);
    }

    #[test]
    fn slices_match_scalars() {
        let pcm: Vec<i16> = (-40..40).map(|i| i * 800).collect();
        let (mut u, mut a) = (Vec::new(), Vec::new());
        encode_ulaw(&pcm, &mut u);
        encode_alaw(&pcm, &mut a);
        let (mut du, mut da) = (vec![1i16], Vec::new());
        decode_ulaw(&u, &mut du);
        decode_alaw(&a, &mut da);
        assert_eq!(du.len(), pcm.len() + 1);
        for (i, &s) in pcm.iter().enumerate() {
            assert_eq!(u[i], linear_to_ulaw(s));
            assert_eq!(da[i], alaw_to_linear(a[i]));
        }
    }

    /// Bound on the quantisation error at magnitude `m` (16-bit scale): half a segment
    /// step (the step doubles per segment, ≤ m/16) plus the truncation of the reference.
    fn max_error(m: i32) -> i32 {
        m / 16 + 32
    }

    proptest! {
        #[test]
        fn encode_decode_error_is_bounded(s in any::<i16>()) {
            let m = i32::from(s).abs();
            let u = i32::from(ulaw_to_linear(linear_to_ulaw(s)));
            let a = i32::from(alaw_to_linear(linear_to_alaw(s)));
            prop_assert!((u - i32::from(s)).abs() <= max_error(m), "µ-law {} -> {}", s, u);
            prop_assert!((a - i32::from(s)).abs() <= max_error(m), "A-law {} -> {}", s, a);
            // Sign is preserved (zero may go either way).
            prop_assert!(u == 0 || (u > 0) == (s >= 0));
            prop_assert!((a > 0) == (s >= 0));
        }

        #[test]
        fn decode_is_idempotent(code in any::<u8>()) {
            let u = ulaw_to_linear(code);
            prop_assert_eq!(ulaw_to_linear(linear_to_ulaw(u)), u);
            let a = alaw_to_linear(code);
            prop_assert_eq!(alaw_to_linear(linear_to_alaw(a)), a);
        }

        #[test]
        fn encoding_is_monotonic(x in any::<i16>(), y in any::<i16>()) {
            let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
            prop_assert!(ulaw_to_linear(linear_to_ulaw(lo)) <= ulaw_to_linear(linear_to_ulaw(hi)));
            prop_assert!(alaw_to_linear(linear_to_alaw(lo)) <= alaw_to_linear(linear_to_alaw(hi)));
        }
    }
}
