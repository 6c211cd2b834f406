//! Files the run writes (reports beside the terminal one, the facts): each appears whole or not at all,
//! so that a textfile collector or a later `--facts` never reads half a file.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use xks_preflight::error::InputError;

/// Writes `text` to a temporary file beside `path`, then renames it over `path`. The file gets the mode
/// of the one it replaces, or 0666 less the umask as any new file would: a report written by root for
/// a collector that runs as another user must stay readable to it.
pub fn write_atomically(path: &Path, what: &'static str, text: &str) -> Result<(), InputError> {
    let unwritable = |cause: String| InputError::Unwritable { what, path: path.to_path_buf(), cause };
    let mode = match std::fs::symlink_metadata(path) {
        Ok(existing) if existing.is_file() => existing.permissions().mode() & 0o7777,
        // A rename would replace a link, a device or a directory entry with a plain file.
        Ok(_) => return Err(unwritable("it exists and is not a regular file".into())),
        Err(_) => 0o666,
    };
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // The temporary file is the tool's business: a problem is said of the folder the user named.
    match std::fs::metadata(directory) {
        Ok(folder) if folder.is_dir() => {}
        Ok(_) => return Err(unwritable(format!("{} is not a folder", directory.display()))),
        Err(e) => return Err(unwritable(format!("the folder {}: {e}", directory.display()))),
    }
    let mut file =
        tempfile::Builder::new()
            .permissions(std::fs::Permissions::from_mode(mode))
            .tempfile_in(directory)
            .map_err(|e| unwritable(format!("cannot create a file in the folder {}: {e}", directory.display())))?;
    file.write_all(text.as_bytes()).and_then(|()| file.as_file().sync_all()).map_err(|e| unwritable(e.to_string()))?;
    file.persist(path).map_err(|e| unwritable(e.error.to_string()))?;
    Ok(())
}
