//! The H3 resolutions analysis works at (6 to 10), and the cells intake indexed a report at.

use h3o::{CellIndex, LatLng, Resolution};

/// The analysis resolutions, in the order of `Location::analysis_cells`.
pub const RESOLUTIONS: [Resolution; 5] = [
    Resolution::Six,
    Resolution::Seven,
    Resolution::Eight,
    Resolution::Nine,
    Resolution::Ten,
];

/// One cell per analysis resolution, in [`RESOLUTIONS`] order.
pub type AnalysisCells = [CellIndex; RESOLUTIONS.len()];

/// A resolution analysis supports: 6 to 10.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnalysisResolution(usize);

impl AnalysisResolution {
    pub const NINE: Self = Self(3);

    /// The resolution `number`, if it is one of 6 to 10.
    pub fn new(number: u8) -> Option<Self> {
        RESOLUTIONS
            .iter()
            .position(|&r| u8::from(r) == number)
            .map(Self)
    }

    pub fn resolution(self) -> Resolution {
        RESOLUTIONS[self.0]
    }

    /// This resolution's cell among a report's analysis cells.
    pub fn of(self, cells: &AnalysisCells) -> CellIndex {
        cells[self.0]
    }

    /// This resolution's place in [`RESOLUTIONS`] (and in any per-resolution array).
    pub fn level(self) -> usize {
        self.0
    }

    pub fn number(self) -> u8 {
        self.resolution().into()
    }
}

/// Why a report's `analysis_cells` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidCells {
    #[error("{0} analysis cells instead of 5 (resolutions 6 to 10)")]
    Count(usize),
    #[error("{0:?} is not an H3 cell")]
    NotACell(String),
    #[error("{cell} is at resolution {found}, expected {expected}")]
    WrongResolution {
        cell: String,
        found: u8,
        expected: u8,
    },
}

/// The cells indexed at intake, checked: five cells at resolutions 6, 7, 8, 9 and 10.
pub fn parse_analysis_cells(cells: &[String]) -> Result<AnalysisCells, InvalidCells> {
    if cells.len() != RESOLUTIONS.len() {
        return Err(InvalidCells::Count(cells.len()));
    }
    let parsed = cells
        .iter()
        .zip(RESOLUTIONS)
        .map(|(text, expected)| {
            let cell: CellIndex = text
                .parse()
                .map_err(|_| InvalidCells::NotACell(text.clone()))?;
            if cell.resolution() != expected {
                return Err(InvalidCells::WrongResolution {
                    cell: text.clone(),
                    found: cell.resolution().into(),
                    expected: expected.into(),
                });
            }
            Ok(cell)
        })
        .collect::<Result<Vec<_>, _>>()?;
    parsed
        .try_into()
        .map_err(|_| InvalidCells::Count(cells.len()))
}

/// The cells of a position (a terminal's ping: positions are not case events, so they are indexed
/// here), or `None` for coordinates off the globe.
pub fn cells_at(lat: f64, lng: f64) -> Option<AnalysisCells> {
    if !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng)) {
        return None;
    }
    let position = LatLng::new(lat, lng).ok()?;
    Some(RESOLUTIONS.map(|resolution| position.to_cell(resolution)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wacker_cells() -> Vec<String> {
        cells_at(41.8789, -87.6359)
            .expect("valid")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn resolutions_six_to_ten_only() {
        assert_eq!(AnalysisResolution::new(8).map(|r| r.number()), Some(8));
        assert_eq!(AnalysisResolution::NINE.number(), 9);
        assert!(AnalysisResolution::new(5).is_none());
        assert!(AnalysisResolution::new(11).is_none());
    }

    #[test]
    fn intake_cells_parse_in_order() {
        let cells = parse_analysis_cells(&wacker_cells()).expect("valid");
        // 233 S Wacker Dr at resolution 8, as h3-py computes it (same as the intake test).
        assert_eq!(
            AnalysisResolution::new(8)
                .expect("8")
                .of(&cells)
                .to_string(),
            "882664c1a1fffff"
        );
    }

    #[test]
    fn malformed_intake_cells_are_refused() {
        let mut cells = wacker_cells();
        assert_eq!(
            parse_analysis_cells(&cells[..4]),
            Err(InvalidCells::Count(4))
        );
        cells.swap(0, 1);
        assert!(matches!(
            parse_analysis_cells(&cells),
            Err(InvalidCells::WrongResolution { expected: 6, .. })
        ));
        cells[0] = "not-a-cell".into();
        assert!(matches!(
            parse_analysis_cells(&cells),
            Err(InvalidCells::NotACell(_))
        ));
    }

    #[test]
    fn positions_off_the_globe_have_no_cells() {
        assert!(cells_at(91.0, 0.0).is_none());
        assert!(cells_at(0.0, f64::NAN).is_none());
        assert!(cells_at(41.88, -87.63).is_some());
    }
}
