//! Registries: each backend crate lists its variants in one function returning a [`Registry`].
//! Tests, benches, reports, the CLI and the book iterate registries; nobody lists variants twice.

use std::any::Any;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::scalar::{Dtype, Scalar};
use crate::step::{AssignStep, Composed, IterationStep, UpdateStep, VariantInfo};

/// A kind of step: assignment, update or whole iteration. `Dyn<T>` is its trait object.
pub trait Kind: 'static {
    /// The trait object for float type `T`.
    type Dyn<T: Scalar>: ?Sized + Send + Sync + 'static;
    /// `"assign"`, `"update"` or `"iter"`, as in variant names.
    const NAME: &'static str;
}

/// Marker for assignment steps.
pub enum Assign {}
/// Marker for update steps.
pub enum Update {}
/// Marker for whole iterations.
pub enum Iterate {}

impl Kind for Assign {
    type Dyn<T: Scalar> = dyn AssignStep<T>;
    const NAME: &'static str = "assign";
}
impl Kind for Update {
    type Dyn<T: Scalar> = dyn UpdateStep<T>;
    const NAME: &'static str = "update";
}
impl Kind for Iterate {
    type Dyn<T: Scalar> = dyn IterationStep<T>;
    const NAME: &'static str = "iter";
}

/// One registered variant: its metadata and its implementation for each float type it supports.
pub struct Variant<K: Kind> {
    /// Name, slide, summary, memory and work models.
    pub info: VariantInfo,
    /// The `f32` implementation, if any.
    pub f32: Option<Arc<K::Dyn<f32>>>,
    /// The `f64` implementation, if any.
    pub f64: Option<Arc<K::Dyn<f64>>>,
}

impl<K: Kind> Clone for Variant<K> {
    fn clone(&self) -> Self {
        Self {
            info: self.info.clone(),
            f32: self.f32.clone(),
            f64: self.f64.clone(),
        }
    }
}

impl<K: Kind> std::fmt::Debug for Variant<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Variant")
            .field("name", &self.info.name)
            .field("f32", &self.f32.is_some())
            .field("f64", &self.f64.is_some())
            .finish()
    }
}

impl<K: Kind> Variant<K> {
    /// The implementation for `T`, if this variant has one.
    pub fn get<T: Scalar>(&self) -> Option<&K::Dyn<T>> {
        // `T` is `f32` or `f64` (sealed), so the field of its dtype has exactly the type asked
        // for and the downcast always succeeds; it only spares the numeric trait a method that
        // knows about registries.
        let field: &dyn Any = match T::DTYPE {
            Dtype::F32 => &self.f32,
            Dtype::F64 => &self.f64,
        };
        field.downcast_ref::<Option<Arc<K::Dyn<T>>>>()?.as_deref()
    }

    /// The implementation for `T`, or [`Error::UnsupportedDtype`].
    ///
    /// # Errors
    /// When the variant was registered without a `T` implementation.
    pub fn require<T: Scalar>(&self) -> Result<&K::Dyn<T>> {
        self.get::<T>().ok_or_else(|| Error::UnsupportedDtype {
            name: self.info.name.clone(),
            dtype: T::DTYPE,
        })
    }

    /// Whether this variant has an implementation for `T`.
    pub fn supports<T: Scalar>(&self) -> bool {
        self.get::<T>().is_some()
    }

    /// The variant's stable name.
    pub fn name(&self) -> &str {
        &self.info.name
    }
}

/// An assignment variant.
pub type AssignVariant = Variant<Assign>;
/// An update variant.
pub type UpdateVariant = Variant<Update>;
/// A whole-iteration variant (fused, or an assignment and an update composed).
pub type IterationVariant = Variant<Iterate>;

// Unsizing to a trait object needs the concrete trait named, so each kind has its own constructors.
macro_rules! constructors {
    ($kind:ty, $tr:ident) => {
        impl Variant<$kind> {
            /// A variant implemented for both `f32` and `f64` by one generic type.
            pub fn new<S>(info: VariantInfo, step: S) -> Self
            where
                S: $tr<f32> + $tr<f64> + 'static,
            {
                let step = Arc::new(step);
                Self {
                    info,
                    f32: Some(step.clone()),
                    f64: Some(step),
                }
            }

            /// A variant implemented for `f64` only.
            pub fn f64_only<S: $tr<f64> + 'static>(info: VariantInfo, step: S) -> Self {
                Self {
                    info,
                    f32: None,
                    f64: Some(Arc::new(step)),
                }
            }

            /// A variant implemented for `f32` only.
            pub fn f32_only<S: $tr<f32> + 'static>(info: VariantInfo, step: S) -> Self {
                Self {
                    info,
                    f32: Some(Arc::new(step)),
                    f64: None,
                }
            }
        }
    };
}
constructors!(Assign, AssignStep);
constructors!(Update, UpdateStep);
constructors!(Iterate, IterationStep);

impl IterationVariant {
    /// An assignment and an update as one iteration, for every float type both support. The
    /// composition's memory is the larger of the two, its work their sum, its precision the
    /// assignment's; `info` supplies name, slide and summary.
    pub fn compose(info: VariantInfo, assign: &AssignVariant, update: &UpdateVariant) -> Self {
        let (ma, mu) = (assign.info.memory.clone(), update.info.memory.clone());
        let (wa, wu) = (assign.info.work.clone(), update.info.work.clone());
        let mut info = info
            .memory(move |s| ma(s).max(mu(s)))
            .work(move |s| wa(s) + wu(s));
        info.precision = assign.info.precision;
        info.parallel = assign.info.parallel || update.info.parallel;
        Self {
            info,
            f32: match (&assign.f32, &update.f32) {
                (Some(a), Some(u)) => Some(Arc::new(Composed::new(a.clone(), u.clone()))),
                _ => None,
            },
            f64: match (&assign.f64, &update.f64) {
                (Some(a), Some(u)) => Some(Arc::new(Composed::new(a.clone(), u.clone()))),
                _ => None,
            },
        }
    }

    /// Compose two variants under the name `assign-name+update-name` (what the CLI's
    /// `--backend A+U` builds).
    pub fn compose_named(assign: &AssignVariant, update: &UpdateVariant) -> Self {
        let info = VariantInfo::new(
            format!("{}+{}", assign.info.name, update.info.name),
            "an assignment step and an update step, composed",
        );
        Self::compose(info, assign, update)
    }
}

/// Every variant of one backend (or of all backends, merged).
#[derive(Default, Clone, Debug)]
pub struct Registry {
    /// Assignment steps, in the slides' order.
    pub assign: Vec<AssignVariant>,
    /// Update steps, in the slides' order.
    pub update: Vec<UpdateVariant>,
    /// Whole iterations: fused variants and declared compositions.
    pub iterate: Vec<IterationVariant>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Append another registry's variants (keeps order).
    pub fn merge(mut self, other: Registry) -> Self {
        self.assign.extend(other.assign);
        self.update.extend(other.update);
        self.iterate.extend(other.iterate);
        self
    }

    /// The assignment variant named `name`.
    pub fn assign_named(&self, name: &str) -> Option<&AssignVariant> {
        self.assign.iter().find(|v| v.info.name == name)
    }

    /// The update variant named `name`.
    pub fn update_named(&self, name: &str) -> Option<&UpdateVariant> {
        self.update.iter().find(|v| v.info.name == name)
    }

    /// A whole-iteration variant by name: a registered one, or `assign+update` composed from
    /// two registered steps.
    pub fn iteration_named(&self, name: &str) -> Option<IterationVariant> {
        if let Some(v) = self.iterate.iter().find(|v| v.info.name == name) {
            return Some(v.clone());
        }
        let (a, u) = name.split_once('+')?;
        Some(IterationVariant::compose_named(
            self.assign_named(a)?,
            self.update_named(u)?,
        ))
    }

    /// `assign + update` composed from steps of this registry, found by name, as a declared
    /// whole iteration described by `info` (its name, slide and summary).
    ///
    /// # Panics
    /// If either name is not registered: a wiring bug in a backend's registry, which every
    /// test building that registry hits at once.
    pub fn compose(&self, info: VariantInfo, assign: &str, update: &str) -> IterationVariant {
        let missing = |kind: &str, part: &str| -> String {
            format!("{}: no {kind} step named {part:?} is registered", info.name)
        };
        let a = self
            .assign_named(assign)
            .unwrap_or_else(|| panic!("{}", missing("assignment", assign)));
        let u = self
            .update_named(update)
            .unwrap_or_else(|| panic!("{}", missing("update", update)));
        IterationVariant::compose(info, a, u)
    }

    /// Every variant name, assignment first, then update, then iteration.
    pub fn names(&self) -> Vec<&str> {
        let a = self.assign.iter().map(|v| v.name());
        let u = self.update.iter().map(|v| v.name());
        let i = self.iterate.iter().map(|v| v.name());
        a.chain(u).chain(i).collect()
    }

    /// Names that occur more than once (must be empty: names are identities).
    pub fn duplicate_names(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.names()
            .into_iter()
            .filter(|n| !seen.insert(*n))
            .map(str::to_owned)
            .collect()
    }
}
