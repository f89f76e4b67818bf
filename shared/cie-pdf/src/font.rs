//! The vendored IPAexGothic font: parsed once, asked whether it has a glyph for a character, and used to
//! measure text (printpdf does no measurement of its own).

use std::sync::atomic::{AtomicU32, Ordering};

use printpdf::ParsedFont;

use crate::PdfError;

/// Characters of the Basic Multilingual Plane, whose glyph look-ups are cached.
const BMP: usize = 0x1_0000;
/// Cache entry of a character not yet looked up.
const UNKNOWN: u32 = 0;
/// Cache entry of a character the font lacks.
const ABSENT: u32 = 1;

/// The family name of the embedded font.
pub const FONT_NAME: &str = "IPAexGothic";

static FONT_BYTES: &[u8] = include_bytes!("../fonts/ipaexg.ttf");

/// The parsed font and its metrics.
pub(crate) struct Font {
    pub(crate) parsed: ParsedFont,
    units_per_em: f32,
    /// Glyph of each BMP character, filled on first use: the font's own cmap look-up is a search
    /// that cost a third of a one-page render when asked for every character drawn.
    bmp_glyphs: Box<[AtomicU32]>,
}

impl Font {
    pub(crate) fn load() -> Result<Font, PdfError> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(FONT_BYTES, 0, &mut warnings)
            .ok_or_else(|| PdfError::Font(format!("{FONT_NAME}: {warnings:?}")))?;
        let units_per_em = f32::from(parsed.font_metrics.units_per_em);
        if units_per_em <= 0.0 {
            return Err(PdfError::Font(format!("{FONT_NAME}: units per em is 0")));
        }
        Ok(Font {
            parsed,
            units_per_em,
            bmp_glyphs: (0..BMP).map(|_| AtomicU32::new(UNKNOWN)).collect(),
        })
    }

    /// The glyph for `c`, if the font has one (glyph 0 is `.notdef`, the box).
    pub(crate) fn glyph(&self, c: char) -> Option<u16> {
        let Some(slot) = self.bmp_glyphs.get(c as usize) else {
            return self.look_up(c);
        };
        match slot.load(Ordering::Relaxed) {
            UNKNOWN => {
                let glyph = self.look_up(c);
                slot.store(
                    glyph.map_or(ABSENT, |g| u32::from(g) + 2),
                    Ordering::Relaxed,
                );
                glyph
            }
            ABSENT => None,
            entry => u16::try_from(entry - 2).ok(),
        }
    }

    fn look_up(&self, c: char) -> Option<u16> {
        self.parsed
            .lookup_glyph_index(u32::from(c))
            .filter(|&g| g != 0)
    }

    /// The first character of `text` the font cannot draw.
    pub(crate) fn first_missing(&self, text: &str) -> Option<char> {
        text.chars().find(|&c| self.glyph(c).is_none())
    }

    /// Fails with [`PdfError::MissingGlyph`] on the first character of `text` the font lacks.
    pub(crate) fn check(&self, field: &str, text: &str) -> Result<(), PdfError> {
        match self.first_missing(text) {
            None => Ok(()),
            Some(character) => Err(PdfError::MissingGlyph {
                character,
                field: field.to_owned(),
            }),
        }
    }

    /// Width of `c` in points at `size`; 0 for a character the font lacks.
    pub(crate) fn char_width(&self, c: char, size: f32) -> f32 {
        self.glyph(c).map_or(0.0, |g| {
            f32::from(self.parsed.get_horizontal_advance(g)) * size / self.units_per_em
        })
    }

    /// Width of `text` in points at `size`.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_width(c, size)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_has_japanese_and_lacks_non_jis_characters() {
        let font = Font::load().unwrap();
        assert_eq!(font.first_missing("請求書 ¥1,234 ※ 髙橋 ①"), None);
        assert_eq!(font.first_missing("吉田 𠮷野家"), Some('𠮷'));
        assert_eq!(font.first_missing("😀"), Some('😀'));
        let full = font.width("請", 10.0);
        assert!((full - 10.0).abs() < 0.01, "a kanji is one em wide: {full}");
        assert!(font.width("1", 10.0) < full);
        for c in ['請', '1', '𠮷', '😀', 'A'] {
            assert_eq!(
                font.glyph(c),
                font.look_up(c),
                "cached and direct agree on {c}"
            );
            assert_eq!(
                font.glyph(c),
                font.look_up(c),
                "and again from the cache for {c}"
            );
        }
    }
}
