//! Guest stdout and stderr kept for debugging, when the host asks for it.
//!
//! Each instance's WASI sandbox buffers what one call writes (capped); after
//! every call the plugin moves it into its [`OutputLog`], which holds at most
//! `limit` bytes of each stream across all of the plugin's instances and
//! counts the rest as dropped, so a plugin that prints without end cannot
//! grow the host's memory or reach the host's own output.

use std::sync::Mutex;

use crate::wasi::WasiSandbox;

/// What a plugin wrote since the last [`OutputLog::take`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapturedOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Bytes written past the cap and not kept (both streams).
    pub dropped_bytes: u64,
}

/// One plugin's captured output, shared by its instances.
#[derive(Debug)]
pub struct OutputLog {
    limit: usize,
    kept: Mutex<CapturedOutput>,
}

impl OutputLog {
    /// Keeps at most `limit` bytes of each stream.
    pub fn new(limit: usize) -> Self {
        OutputLog {
            limit,
            kept: Mutex::new(CapturedOutput::default()),
        }
    }

    /// Moves what an instance buffered during a call into the log.
    pub fn collect(&self, wasi: &mut WasiSandbox) {
        let (dropped_out, dropped_err) = wasi.dropped_bytes();
        if wasi.stdout().is_empty() && wasi.stderr().is_empty() && dropped_out + dropped_err == 0 {
            return;
        }
        let (stdout, stderr) = wasi.take_output();
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let dropped = append_capped(&mut kept.stdout, &stdout, self.limit)
            + append_capped(&mut kept.stderr, &stderr, self.limit);
        kept.dropped_bytes = kept
            .dropped_bytes
            .saturating_add(dropped + dropped_out + dropped_err);
    }

    /// Everything kept so far; the log starts empty again.
    pub fn take(&self) -> CapturedOutput {
        std::mem::take(&mut *self.kept.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Appends what fits under `limit`; returns how many bytes did not.
fn append_capped(buf: &mut Vec<u8>, data: &[u8], limit: usize) -> u64 {
    let room = limit.saturating_sub(buf.len());
    let take = room.min(data.len());
    buf.extend_from_slice(&data[..take]);
    (data.len() - take) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_each_stream_and_counts_the_rest() {
        let mut buf = b"abc".to_vec();
        assert_eq!(append_capped(&mut buf, b"defgh", 5), 3);
        assert_eq!(buf, b"abcde");
        assert_eq!(append_capped(&mut buf, b"xyz", 5), 3);
        assert_eq!(buf, b"abcde");
    }

    #[test]
    fn take_empties_the_log() {
        let log = OutputLog::new(4);
        log.kept.lock().unwrap().stdout = b"hi".to_vec();
        assert_eq!(log.take().stdout, b"hi");
        assert_eq!(log.take(), CapturedOutput::default());
    }
}
