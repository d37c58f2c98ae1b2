//! Validated conversions between WGS84 coordinates and H3 cells.

use h3o::{CellIndex, LatLng, Resolution};

use crate::AnalyticsError;

/// Validates WGS84 degrees and converts them to an h3o coordinate.
pub(crate) fn lat_lng(lat: f64, lng: f64) -> Result<LatLng, AnalyticsError> {
    let invalid = AnalyticsError::InvalidCoordinates { lat, lng };
    if !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng)) {
        return Err(invalid);
    }
    LatLng::new(lat, lng).map_err(|_| invalid)
}

/// The single resolution shared by all `cells` (`None` when there are none).
pub(crate) fn common_resolution(
    cells: impl IntoIterator<Item = CellIndex>,
) -> Result<Option<Resolution>, AnalyticsError> {
    let mut common = None;
    for cell in cells {
        let resolution = cell.resolution();
        match common {
            None => common = Some(resolution),
            Some(seen) if seen != resolution => {
                return Err(AnalyticsError::MixedResolutions(
                    seen.into(),
                    resolution.into(),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(common)
}
