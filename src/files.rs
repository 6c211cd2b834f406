//! Files the run writes (reports beside the terminal one, the facts): each appears whole or not at all,
//! so that a textfile collector or a later `--facts` never reads half a file.

use std::io::Write;
use std::path::Path;

use xks_preflight::error::InputError;

/// Writes `text` to a temporary file beside `path`, then renames it over `path`.
pub fn write_atomically(path: &Path, what: &'static str, text: &str) -> Result<(), InputError> {
    let unwritable = |cause: String| InputError::Unwritable { what, path: path.to_path_buf(), cause };
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(directory).map_err(|e| unwritable(e.to_string()))?;
    file.write_all(text.as_bytes()).and_then(|()| file.as_file().sync_all()).map_err(|e| unwritable(e.to_string()))?;
    file.persist(path).map_err(|e| unwritable(e.error.to_string()))?;
    Ok(())
}
