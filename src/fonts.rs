//! The font of every plot: DejaVu Sans embedded from the `dejavu` crate and registered with
//! plotters once, so drawing text needs no system fonts (no fontconfig or freetype).
use plotters::style::{register_font, FontStyle};
use std::sync::Once;

/// The family name plots ask for.
pub const FONT: &str = "sans-serif";

pub fn ensure_fonts() {
    static FONTS: Once = Once::new();
    FONTS.call_once(|| {
        // Both calls only fail on an invalid font file, and these are the crate's own.
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok();
        let _ = register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok();
    });
}
