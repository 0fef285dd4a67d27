//! Colours: a dark and a light theme, adapted to what the terminal can show (truecolor, 256 or
//! 16 colours), and none at all under NO_COLOR — meaning never rests on colour alone (every
//! colour-coded thing also has a symbol or text).

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
}

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorDepth {
    /// No colour at all (also what NO_COLOR asks for).
    None,
    #[value(name = "16")]
    Basic,
    #[value(name = "256")]
    Indexed,
    #[value(name = "truecolor")]
    True,
}

impl ColorDepth {
    /// From the environment: NO_COLOR, COLORTERM and TERM.
    pub fn detect() -> ColorDepth {
        Self::from_env(|k| std::env::var(k).ok())
    }

    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> ColorDepth {
        if get("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return ColorDepth::None;
        }
        let colorterm = get("COLORTERM").unwrap_or_default().to_ascii_lowercase();
        if colorterm.contains("truecolor") || colorterm.contains("24bit") {
            return ColorDepth::True;
        }
        let term = get("TERM").unwrap_or_default();
        if term == "dumb" {
            ColorDepth::None
        } else if term.contains("256") {
            ColorDepth::Indexed
        } else {
            ColorDepth::Basic
        }
    }
}

/// Parses "#RRGGBB".
pub fn parse_hex(s: &str) -> Option<(u8, u8, u8)> {
    let h = s.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let v = u32::from_str_radix(h, 16).ok()?;
    Some(((v >> 16) as u8, (v >> 8) as u8, v as u8))
}

/// The nearest of the xterm 256-colour cube and grey ramp.
fn to_256(r: u8, g: u8, b: u8) -> u8 {
    let level = |c: u8| {
        if c < 48 {
            0
        } else if c < 115 {
            1
        } else {
            (c - 35) / 40
        }
    };
    let (ri, gi, bi) = (level(r), level(g), level(b));
    let cube = 16 + 36 * ri + 6 * gi + bi;
    let steps = [0u8, 95, 135, 175, 215, 255];
    let cube_rgb = (steps[ri as usize], steps[gi as usize], steps[bi as usize]);
    let avg = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    let grey_i = if avg > 238 { 23 } else { (avg.saturating_sub(3) / 10) as u8 };
    let grey = 8 + 10 * grey_i;
    let d = |(a, b2, c): (u8, u8, u8)| {
        let sq = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2);
        sq(a, r) + sq(b2, g) + sq(c, b)
    };
    if d((grey, grey, grey)) < d(cube_rgb) { 232 + grey_i } else { cube }
}

/// The nearest of the 16 ANSI colours, by distance to xterm's default palette.
fn to_16(r: u8, g: u8, b: u8) -> Color {
    const ANSI: [(Color, (u8, u8, u8)); 16] = [
        (Color::Black, (0, 0, 0)),
        (Color::Red, (205, 0, 0)),
        (Color::Green, (0, 205, 0)),
        (Color::Yellow, (205, 205, 0)),
        (Color::Blue, (0, 0, 238)),
        (Color::Magenta, (205, 0, 205)),
        (Color::Cyan, (0, 205, 205)),
        (Color::Gray, (229, 229, 229)),
        (Color::DarkGray, (127, 127, 127)),
        (Color::LightRed, (255, 0, 0)),
        (Color::LightGreen, (0, 255, 0)),
        (Color::LightYellow, (255, 255, 0)),
        (Color::LightBlue, (92, 92, 255)),
        (Color::LightMagenta, (255, 0, 255)),
        (Color::LightCyan, (0, 255, 255)),
        (Color::White, (255, 255, 255)),
    ];
    let d = |(x, y, z): (u8, u8, u8)| {
        let sq = |a: u8, b2: u8| (i32::from(a) - i32::from(b2)).pow(2);
        sq(x, r) + sq(y, g) + sq(z, b)
    };
    ANSI.iter().min_by_key(|(_, rgb)| d(*rgb)).map_or(Color::Reset, |(c, _)| *c)
}

/// The default party colours (a colour-blind-friendly set) for candidates without one.
const PALETTE: [(u8, u8, u8); 10] = [
    (0x1f, 0x77, 0xb4),
    (0xff, 0x7f, 0x0e),
    (0x2c, 0xa0, 0x2c),
    (0xd6, 0x27, 0x28),
    (0x94, 0x67, 0xbd),
    (0x8c, 0x56, 0x4b),
    (0xe3, 0x77, 0xc2),
    (0x7f, 0x7f, 0x7f),
    (0xbc, 0xbd, 0x22),
    (0x17, 0xbe, 0xcf),
];

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub name: ThemeName,
    pub depth: ColorDepth,
}

impl Theme {
    pub fn new(name: ThemeName, depth: ColorDepth) -> Theme {
        Theme { name, depth }
    }

    fn color(&self, rgb: (u8, u8, u8)) -> Color {
        match self.depth {
            ColorDepth::None => Color::Reset,
            ColorDepth::Basic => to_16(rgb.0, rgb.1, rgb.2),
            ColorDepth::Indexed => Color::Indexed(to_256(rgb.0, rgb.1, rgb.2)),
            ColorDepth::True => Color::Rgb(rgb.0, rgb.1, rgb.2),
        }
    }

    fn pick(&self, dark: (u8, u8, u8), light: (u8, u8, u8)) -> Color {
        self.color(if self.name == ThemeName::Dark { dark } else { light })
    }

    pub fn colored(&self) -> bool {
        self.depth != ColorDepth::None
    }

    pub fn text(&self) -> Style {
        Style::default().fg(self.pick((0xe6, 0xe6, 0xe6), (0x1a, 0x1a, 0x1a)))
    }

    pub fn dim(&self) -> Style {
        if self.colored() {
            Style::default().fg(self.pick((0x8a, 0x8a, 0x8a), (0x70, 0x70, 0x70)))
        } else {
            Style::default().add_modifier(Modifier::DIM)
        }
    }

    pub fn title(&self) -> Style {
        Style::default().fg(self.pick((0x5f, 0xd7, 0xff), (0x00, 0x5f, 0xaf))).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused { self.title() } else { self.dim() }
    }

    pub fn selected(&self) -> Style {
        if self.colored() {
            Style::default().bg(self.pick((0x30, 0x3a, 0x4a), (0xd0, 0xe0, 0xf0))).add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }

    pub fn critical(&self) -> Style {
        Style::default().fg(self.pick((0xff, 0x55, 0x55), (0xc0, 0x00, 0x00))).add_modifier(Modifier::BOLD)
    }

    pub fn warning(&self) -> Style {
        Style::default().fg(self.pick((0xff, 0xc8, 0x3c), (0x9a, 0x60, 0x00)))
    }

    pub fn info(&self) -> Style {
        Style::default().fg(self.pick((0x7a, 0xb8, 0xff), (0x1f, 0x5f, 0xb0)))
    }

    pub fn good(&self) -> Style {
        Style::default().fg(self.pick((0x6c, 0xd0, 0x6c), (0x1a, 0x7a, 0x1a)))
    }

    pub fn gauge(&self) -> Style {
        Style::default().fg(self.pick((0x5f, 0xaf, 0xd7), (0x2f, 0x6f, 0xaf)))
    }

    /// A candidate's colour: the manifest's, else the palette's.
    pub fn candidate(&self, index: usize, hex: Option<&str>) -> Style {
        let rgb = hex.and_then(parse_hex).unwrap_or(PALETTE[index % PALETTE.len()]);
        Style::default().fg(self.color(rgb))
    }

    pub fn severity(&self, s: crate::engine::anomaly::Severity) -> Style {
        use crate::engine::anomaly::Severity;
        match s {
            Severity::Critical => self.critical(),
            Severity::Warning => self.warning(),
            Severity::Info => self.info(),
        }
    }
}

/// The fingerprint's sequential ramp, from the fewest to the most (as RGB stops, evenly spaced):
/// on a dark background dark blue → cyan → yellow → white; on a light one pale yellow →
/// orange → red → dark red. The lowest stop stays visible against the background.
const HEAT_DARK: [(u8, u8, u8); 4] = [(0x26, 0x3c, 0xa8), (0x00, 0xb4, 0xd8), (0xff, 0xd6, 0x3a), (0xff, 0xff, 0xff)];
const HEAT_LIGHT: [(u8, u8, u8); 4] = [(0xf2, 0xc8, 0x4b), (0xfd, 0x8d, 0x3c), (0xe3, 0x1a, 0x1c), (0x6b, 0x00, 0x1f)];
/// The same ramps in the 16 named colours (interpolating there would jump about).
const HEAT16_DARK: [Color; 6] =
    [Color::Blue, Color::LightBlue, Color::Cyan, Color::LightCyan, Color::LightYellow, Color::White];
const HEAT16_LIGHT: [Color; 5] = [Color::Yellow, Color::LightRed, Color::Red, Color::Magenta, Color::Black];

/// `t` in [0, 1] along evenly spaced RGB stops.
fn along(stops: &[(u8, u8, u8)], t: f64) -> (u8, u8, u8) {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (stops.len() - 1) as f64;
    let i = (x.floor() as usize).min(stops.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl Theme {
    /// A colour of the fingerprint's heat ramp, `t` from 0 (fewest) to 1 (most), within the
    /// colour depth (`Reset` without colour: the heatmap then uses characters instead).
    pub fn heat(&self, t: f64) -> Color {
        let dark = self.name == ThemeName::Dark;
        match self.depth {
            ColorDepth::None => Color::Reset,
            ColorDepth::Basic => {
                let ramp: &[Color] = if dark { &HEAT16_DARK } else { &HEAT16_LIGHT };
                let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
                ramp[((t * ramp.len() as f64) as usize).min(ramp.len() - 1)]
            }
            _ => self.color(along(if dark { &HEAT_DARK } else { &HEAT_LIGHT }, t)),
        }
    }
}

/// The symbol that says a severity without colour.
pub fn severity_symbol(s: crate::engine::anomaly::Severity) -> &'static str {
    use crate::engine::anomaly::Severity;
    match s {
        Severity::Critical => "✖",
        Severity::Warning => "▲",
        Severity::Info => "●",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_from_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(a, _)| *a == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(ColorDepth::from_env(env(&[("NO_COLOR", "1"), ("COLORTERM", "truecolor")])), ColorDepth::None);
        assert_eq!(ColorDepth::from_env(env(&[("COLORTERM", "truecolor")])), ColorDepth::True);
        assert_eq!(ColorDepth::from_env(env(&[("TERM", "xterm-256color")])), ColorDepth::Indexed);
        assert_eq!(ColorDepth::from_env(env(&[("TERM", "xterm")])), ColorDepth::Basic);
        assert_eq!(ColorDepth::from_env(env(&[("TERM", "dumb")])), ColorDepth::None);
    }

    #[test]
    fn colours_adapt_to_depth() {
        assert_eq!(to_256(0, 0, 0), 16);
        assert_eq!(to_256(255, 255, 255), 231);
        assert_eq!(to_256(255, 0, 0), 196);
        assert_eq!(to_16(0xd6, 0x27, 0x28), Color::Red);
        assert_eq!(to_16(0x2c, 0xa0, 0x2c), Color::Green);
        assert_eq!(to_16(250, 250, 250), Color::White);
        let none = Theme::new(ThemeName::Dark, ColorDepth::None);
        assert_eq!(none.candidate(0, Some("#ff0000")).fg, Some(Color::Reset));
        let t = Theme::new(ThemeName::Dark, ColorDepth::True);
        assert_eq!(t.candidate(0, Some("#ff0000")).fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(parse_hex("#zz0000"), None);
    }

    #[test]
    fn heat_ramp_runs_from_the_first_stop_to_the_last_within_the_depth() {
        let t = Theme::new(ThemeName::Dark, ColorDepth::True);
        assert_eq!(t.heat(0.0), Color::Rgb(0x26, 0x3c, 0xa8));
        assert_eq!(t.heat(1.0), Color::Rgb(0xff, 0xff, 0xff));
        assert_eq!(t.heat(f64::NAN), t.heat(0.0));
        assert_eq!(along(&HEAT_DARK, 0.5), (0x80, 0xc5, 0x89), "halfway between cyan and yellow");
        for depth in [ColorDepth::None, ColorDepth::Basic, ColorDepth::Indexed] {
            for name in [ThemeName::Dark, ThemeName::Light] {
                let th = Theme::new(name, depth);
                for i in 0..=20 {
                    let c = th.heat(f64::from(i) / 20.0);
                    match depth {
                        ColorDepth::None => assert_eq!(c, Color::Reset),
                        ColorDepth::Basic => assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_))),
                        _ => assert!(matches!(c, Color::Indexed(_))),
                    }
                }
            }
        }
        let b = Theme::new(ThemeName::Dark, ColorDepth::Basic);
        assert_eq!((b.heat(0.0), b.heat(1.0)), (Color::Blue, Color::White));
    }
}
