//! A fitted model: the centroids, the solver that fitted them, the parameters and how the fit
//! went; it predicts, transforms and scores new points, and saves to (and loads from) a small
//! versioned JSON file.
//!
//! The model holds its solver as an [`IterationVariant`], so predicting needs no solver
//! argument. A file names the solver by its registry name; loading turns the name back into a
//! variant through a resolver the caller supplies (the facade crate passes its merged
//! registry), which keeps this crate free of the backends.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::init::Init;
use crate::lloyd::{Fit, IterationLog, KMeans};
use crate::metrics::sq_dist_f64;
use crate::points::{Matrix, Points};
use crate::registry::IterationVariant;
use crate::scalar::{Dtype, Scalar};
use crate::step::IterationStep;
use crate::validate;

/// What every model file starts with, so that another JSON file is recognised as such.
pub const MODEL_FORMAT: &str = "kmeans-workshop-model";

/// The model file version this build writes and reads.
pub const MODEL_VERSION: u32 = 1;

/// The parameters a model was fitted with (as set on [`KMeans`]), saved with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Parameters {
    /// Clusters.
    pub k: usize,
    /// Iteration limit per restart.
    pub max_iter: usize,
    /// Convergence tolerance (relative to the data's mean column variance).
    pub tol: f64,
    /// `random`, `kmeans++`, `kmeans||` or `centroids` (given initial centroids).
    pub init: String,
    /// k-means|| oversampling factor (`kmeans||` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oversampling: Option<f64>,
    /// k-means|| sampling rounds (`kmeans||` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds: Option<usize>,
    /// Seed of every random choice.
    pub seed: u64,
    /// Restarts.
    pub n_init: usize,
    /// Threads asked for (`None`: rayon's global pool).
    pub threads: Option<usize>,
}

/// The name [`Parameters::init`] records for an [`Init`].
pub fn init_name<T>(init: &Init<T>) -> &'static str {
    match init {
        Init::Random => "random",
        Init::KMeansPlusPlus => "kmeans++",
        Init::KMeansParallel { .. } => "kmeans||",
        Init::Centroids(_) => "centroids",
    }
}

/// A fitted k-means model over `f32` or `f64`: its centroids, the solver that fitted them
/// (which also labels new points), the parameters, and the fit's labels, inertia, iteration
/// count and per-iteration history.
///
/// Built by [`KMeans::fit_model`], or loaded with [`KMeansModel::from_json`]. A loaded model has
/// no training labels or history (those describe the training points, which a model file does
/// not hold): [`labels`](KMeansModel::labels) and [`history`](KMeansModel::history) are empty.
#[derive(Clone, Debug)]
pub struct KMeansModel<T> {
    centroids: Matrix<T>,
    solver: IterationVariant,
    parameters: Parameters,
    labels: Vec<u32>,
    inertia: f64,
    n_iter: usize,
    converged: bool,
    history: Vec<IterationLog>,
}

impl<T: Scalar> KMeans<T> {
    /// Fit `data` with `variant` and keep the result as a [`KMeansModel`] that knows its
    /// solver.
    ///
    /// # Errors
    /// As [`KMeans::fit_variant`].
    pub fn fit_model(
        &self,
        variant: &IterationVariant,
        data: Points<'_, T>,
    ) -> Result<KMeansModel<T>> {
        let fit = self.fit_variant(variant, data)?;
        Ok(KMeansModel::from_fit(
            fit,
            variant.clone(),
            self.parameters(),
        ))
    }
}

impl<T: Scalar> KMeansModel<T> {
    /// A model from a [`Fit`] of the low-level API, the variant that produced it and the
    /// parameters it ran with.
    pub fn from_fit(fit: Fit<T>, solver: IterationVariant, parameters: Parameters) -> Self {
        Self {
            centroids: fit.centroids,
            solver,
            parameters,
            labels: fit.labels,
            inertia: fit.inertia,
            n_iter: fit.iterations,
            converged: fit.converged,
            history: fit.history,
        }
    }

    /// A model of given centroids (from a file, another tool), that `solver` labels points
    /// with; nothing was fitted, so `n_iter` is 0 and the inertia 0.
    ///
    /// # Errors
    /// No centroids, non-finite or too large values, or a solver without a `T` implementation.
    pub fn from_centroids(centroids: Matrix<T>, solver: IterationVariant) -> Result<Self> {
        if centroids.n() == 0 {
            return Err(Error::ZeroClusters);
        }
        validate::check_values("centroids", centroids.view())?;
        solver.require::<T>()?;
        let mut parameters = KMeans::<T>::new(centroids.n()).parameters();
        parameters.init = "centroids".into();
        Ok(Self {
            centroids,
            solver,
            parameters,
            labels: Vec::new(),
            inertia: 0.0,
            n_iter: 0,
            converged: false,
            history: Vec::new(),
        })
    }

    /// The `k × d` centroids.
    pub fn centroids(&self) -> &Matrix<T> {
        &self.centroids
    }

    /// Give back the centroids.
    pub fn into_centroids(self) -> Matrix<T> {
        self.centroids
    }

    /// Number of clusters.
    pub fn k(&self) -> usize {
        self.centroids.n()
    }

    /// Dimension of the points.
    pub fn d(&self) -> usize {
        self.centroids.d()
    }

    /// The whole-iteration variant that fitted the model (its assignment labels new points).
    pub fn solver(&self) -> &IterationVariant {
        &self.solver
    }

    /// The solver's registry name.
    pub fn backend(&self) -> &str {
        self.solver.name()
    }

    /// The parameters of the fit.
    pub fn parameters(&self) -> &Parameters {
        &self.parameters
    }

    /// The training points' labels (empty for a loaded model).
    pub fn labels(&self) -> &[u32] {
        &self.labels
    }

    /// The training points' inertia: the sum of squared distances to their centroid.
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// Iterations run by the kept restart.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the kept restart met the convergence rule.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// The kept restart's per-iteration log (empty for a loaded model).
    pub fn history(&self) -> &[IterationLog] {
        &self.history
    }

    fn step(&self) -> Result<&dyn IterationStep<T>> {
        self.solver.require::<T>()
    }

    /// Labels of `data`: the nearest centroid of each point, and the points' inertia.
    ///
    /// # Errors
    /// As [`predict`](crate::predict): empty data, a dimension mismatch, bad values.
    pub fn predict_with_inertia(&self, data: Points<'_, T>) -> Result<(Vec<u32>, f64)> {
        crate::lloyd::predict(self.step()?, data, self.centroids.view())
    }

    /// Labels of `data`: the nearest centroid of each point.
    ///
    /// # Errors
    /// As [`predict_with_inertia`](KMeansModel::predict_with_inertia).
    pub fn predict(&self, data: Points<'_, T>) -> Result<Vec<u32>> {
        self.predict_with_inertia(data).map(|(labels, _)| labels)
    }

    /// Minus the inertia of `data` against the centroids, as scikit-learn's `score` (higher
    /// is better).
    ///
    /// # Errors
    /// As [`predict_with_inertia`](KMeansModel::predict_with_inertia).
    pub fn score(&self, data: Points<'_, T>) -> Result<f64> {
        self.predict_with_inertia(data).map(|(_, inertia)| -inertia)
    }

    /// The `n × k` Euclidean distances of every point to every centroid, as scikit-learn's
    /// `transform` (computed in `f64`, rounded to `T`).
    ///
    /// # Errors
    /// As [`predict_with_inertia`](KMeansModel::predict_with_inertia).
    pub fn transform(&self, data: Points<'_, T>) -> Result<Matrix<T>> {
        validate::check_predict_input(data, self.centroids.view())?;
        let values = data
            .rows()
            .flat_map(|x| {
                self.centroids
                    .view()
                    .rows()
                    .map(move |c| T::of_f64(sq_dist_f64(x, c).sqrt()))
            })
            .collect();
        Matrix::from_vec(values, data.n(), self.k())
    }

    /// The model as a file: pretty-printed JSON of [`MODEL_VERSION`]. Each centroid value is
    /// the shortest decimal that reads back as the same `T`.
    pub fn to_json(&self) -> String {
        match T::DTYPE {
            // Exact: an `f32` widened to `f64` narrows back to itself.
            Dtype::F32 => self.file(|v| v as f32).to_json(),
            Dtype::F64 => self.file(|v| v).to_json(),
        }
    }

    fn file<V>(&self, value: impl Fn(f64) -> V) -> ModelFile<V> {
        ModelFile {
            format: MODEL_FORMAT.into(),
            version: MODEL_VERSION,
            dtype: T::DTYPE.name().into(),
            k: self.k(),
            d: self.d(),
            backend: self.backend().into(),
            parameters: self.parameters.clone(),
            inertia: self.inertia,
            n_iter: self.n_iter,
            converged: self.converged,
            centroids: self
                .centroids
                .view()
                .rows()
                .map(|r| r.iter().map(|v| value(v.as_f64())).collect())
                .collect(),
        }
    }

    /// Load a model saved by [`to_json`](KMeansModel::to_json). `resolve` turns the saved
    /// backend name into a variant (`kmeans_workshop::registry().iteration_named(name)`).
    ///
    /// # Errors
    /// [`Error::InvalidModel`] naming what is wrong: not JSON (with line and column), not a
    /// model file, another version, another dtype than `T`, `k`/`d` that disagree with the
    /// centroids, non-finite centroids, an unknown backend or one without a `T`
    /// implementation.
    pub fn from_json(
        text: &str,
        resolve: impl FnOnce(&str) -> Option<IterationVariant>,
    ) -> Result<Self> {
        let file = ModelFile::parse(text)?;
        if file.dtype != T::DTYPE.name() {
            return Err(invalid(format!(
                "the model holds {} centroids, not {}",
                file.dtype,
                T::DTYPE
            )));
        }
        file.into_model(resolve)
    }
}

/// A model of either float type, as a file holds it.
#[derive(Clone, Debug)]
pub enum AnyModel {
    /// A model fitted in `f32`.
    F32(KMeansModel<f32>),
    /// A model fitted in `f64`.
    F64(KMeansModel<f64>),
}

impl AnyModel {
    /// Load a model of whichever dtype the file says.
    ///
    /// # Errors
    /// As [`KMeansModel::from_json`], and an unknown dtype.
    pub fn from_json(
        text: &str,
        resolve: impl FnOnce(&str) -> Option<IterationVariant>,
    ) -> Result<Self> {
        let file = ModelFile::parse(text)?;
        match file.dtype.as_str() {
            "f32" => file.into_model(resolve).map(Self::F32),
            "f64" => file.into_model(resolve).map(Self::F64),
            other => Err(invalid(format!(
                "unknown dtype {other:?} (expected \"f32\" or \"f64\")"
            ))),
        }
    }

    /// The float type of the centroids.
    pub fn dtype(&self) -> Dtype {
        match self {
            Self::F32(_) => Dtype::F32,
            Self::F64(_) => Dtype::F64,
        }
    }
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidModel {
        reason: reason.into(),
    }
}

/// The file's first two fields, read before the rest so that another version is reported as
/// such rather than as whatever field it lacks.
#[derive(Deserialize)]
struct Preamble {
    format: Option<String>,
    version: Option<u32>,
}

/// Version 1 of the file; `V` is how centroid values are written (read as `f64`).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile<V = f64> {
    format: String,
    version: u32,
    dtype: String,
    k: usize,
    d: usize,
    backend: String,
    parameters: Parameters,
    inertia: f64,
    n_iter: usize,
    converged: bool,
    centroids: Vec<Vec<V>>,
}

impl<V: Serialize> ModelFile<V> {
    fn to_json(&self) -> String {
        // Strings, integers, finite floats and vectors of them always serialise.
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }
}

fn json_error(e: &serde_json::Error) -> Error {
    invalid(if e.is_eof() {
        format!("the file is truncated ({e})")
    } else {
        format!("not valid model JSON: {e}")
    })
}

impl ModelFile {
    fn parse(text: &str) -> Result<Self> {
        let preamble: Preamble = serde_json::from_str(text).map_err(|e| json_error(&e))?;
        if preamble.format.as_deref() != Some(MODEL_FORMAT) {
            return Err(invalid(format!(
                "not a model file (it lacks \"format\": \"{MODEL_FORMAT}\")"
            )));
        }
        match preamble.version {
            Some(MODEL_VERSION) => {}
            Some(v) => {
                return Err(invalid(format!(
                    "model file version {v} is not supported (this build reads version {MODEL_VERSION})"
                )));
            }
            None => return Err(invalid("the model file has no \"version\"")),
        }
        serde_json::from_str(text).map_err(|e| json_error(&e))
    }

    fn into_model<T: Scalar>(
        self,
        resolve: impl FnOnce(&str) -> Option<IterationVariant>,
    ) -> Result<KMeansModel<T>> {
        let (k, d) = (self.k, self.d);
        if k == 0 || d == 0 {
            return Err(invalid(format!(
                "k = {k} and d = {d}: both must be at least 1"
            )));
        }
        if self.centroids.len() != k {
            return Err(invalid(format!(
                "k = {k} but the file holds {} centroids",
                self.centroids.len()
            )));
        }
        if let Some((row, c)) = self
            .centroids
            .iter()
            .enumerate()
            .find(|(_, c)| c.len() != d)
        {
            return Err(invalid(format!(
                "d = {d} but centroid {row} has {} values",
                c.len()
            )));
        }
        if self.parameters.k != k {
            return Err(invalid(format!(
                "k = {k} but the parameters say k = {}",
                self.parameters.k
            )));
        }
        let values: Vec<T> = self
            .centroids
            .iter()
            .flatten()
            .map(|&v| T::of_f64(v))
            .collect();
        let centroids = Matrix::from_vec(values, k, d)?;
        validate::check_values("centroids", centroids.view())
            .map_err(|e| invalid(e.to_string()))?;
        if !(self.inertia.is_finite() && self.inertia >= 0.0) {
            return Err(invalid(format!(
                "inertia {} is not a finite number >= 0",
                crate::format_number(self.inertia)
            )));
        }
        let solver = resolve(&self.backend).ok_or_else(|| {
            invalid(format!(
                "backend {:?} is not registered in this build",
                self.backend
            ))
        })?;
        if !solver.supports::<T>() {
            return Err(invalid(format!(
                "backend {} has no {} implementation",
                self.backend,
                T::DTYPE
            )));
        }
        Ok(KMeansModel {
            centroids,
            solver,
            parameters: self.parameters,
            labels: Vec::new(),
            inertia: self.inertia,
            n_iter: self.n_iter,
            converged: self.converged,
            history: Vec::new(),
        })
    }
}
