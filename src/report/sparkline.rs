//! A figure over time drawn on one line, so that a spike at 03:00 is seen before it is read:
//! `▁▁▂█▇▂▁  p99 latency (ms) 08:51–11:51 UTC, highest 480`.

use crate::checks::Series;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// The fewest and most characters a line gives the bars; a longer series is drawn a bucket of periods
/// a character, each at its highest value.
const FEWEST_BARS: usize = 12;
const MOST_BARS: usize = 60;

/// The bars, the label, the time span and the highest value, within `width` characters where the bars
/// can be given at least 12; `None` for a series with no value. The bars run from the lowest value to
/// the highest.
pub fn line(series: &Series, width: usize) -> Option<String> {
    let highest = series.values.iter().flatten().copied().fold(f64::NAN, f64::max);
    let lowest = series.values.iter().flatten().copied().fold(f64::NAN, f64::min);
    if highest.is_nan() {
        return None;
    }
    // Saturating: a replayed facts file may hold any start and period.
    let span = i64::try_from(series.values.len()).unwrap_or(i64::MAX).saturating_mul(i64::from(series.period_s));
    let end = series.start.saturating_add(span);
    let caption = format!("  {} {}–{} UTC, highest {}", series.label, clock(series.start), clock(end), figure(highest));
    let room = width.saturating_sub(caption.chars().count()).clamp(FEWEST_BARS, MOST_BARS);
    let per_bar = series.values.len().div_ceil(room).max(1);
    let bars: String = series
        .values
        .chunks(per_bar)
        .map(|bucket| match bucket.iter().flatten().copied().reduce(f64::max) {
            None => ' ',
            Some(_) if highest <= lowest => BARS[0],
            Some(value) => {
                let share = (value - lowest) / (highest - lowest);
                BARS[(share * (BARS.len() - 1) as f64).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect();
    Some(format!("{bars}{caption}"))
}

/// `08:51`, the time of day (UTC) of a Unix time.
fn clock(at: i64) -> String {
    let text = crate::dates::rfc3339(at);
    text.split_once('T').map(|(_, time)| time.chars().take(5).collect()).unwrap_or(text)
}

fn figure(value: f64) -> String {
    if value.fract() == 0.0 || value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}
