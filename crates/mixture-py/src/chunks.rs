//! [`PyChunks`]: the chunks of a fit held elsewhere, reached through a Python runner.

use crate::arrays::Value;
use mixture::core::serde::Serialize;
use mixture::core::serde::de::DeserializeOwned;
use mixture::core::{
    Family, MixtureError,
    chunked::{ChunkRequest, ChunkResult, ChunkedData},
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The chunks of a fit: a Python object whose `run(request: bytes) -> bytes` gets every chunk's
/// `chunk()` answer and merges them in chunk order (`merge_chunks()`, level by level).
pub(crate) struct PyChunks {
    pub(crate) runner: Py<PyAny>,
    pub(crate) n_features: usize,
    /// The runner's exception, raised again when the fit returns.
    pub(crate) error: Option<PyErr>,
}

impl<T: Value, F: Family<T>> ChunkedData<T, F> for PyChunks
where
    ChunkRequest<T, F::Components>: Serialize,
    ChunkResult<F::Stats>: DeserializeOwned,
{
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn run(
        &mut self,
        request: &ChunkRequest<T, F::Components>,
    ) -> mixture::core::Result<ChunkResult<F::Stats>> {
        let failed = |message: String| MixtureError::Source { message };
        let request = serde_json::to_vec(request).map_err(|e| failed(e.to_string()))?;
        let answer = Python::attach(|py| -> PyResult<Vec<u8>> {
            let bytes = PyBytes::new(py, &request);
            self.runner.call_method1(py, "run", (bytes,))?.extract(py)
        });
        match answer {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| failed(format!("the chunks' answer cannot be read: {e}"))),
            Err(e) => {
                let message = e.to_string();
                self.error = Some(e);
                Err(failed(message))
            }
        }
    }
}
