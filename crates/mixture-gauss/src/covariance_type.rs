//! [`CovarianceType`]: the fourteen covariance models of model-based clustering.
//!
//! Celeux & Govaert (1995) write a component's covariance as `Σ_k = λ_k D_k A_k D_kᵀ`: a
//! volume `λ_k`, a diagonal shape `A_k` of determinant 1 and an orientation `D_k` (orthogonal).
//! A model's three letters (mclust's codes) say whether each is Equal across components,
//! Variable, or the Identity: VEV has its own volume and orientation per component and one
//! common shape. scikit-learn's four types are four of them (spherical = VII, diag = VVI,
//! tied = EEE, full = VVV) and keep their names.

/// The covariance model of a Gaussian mixture: scikit-learn's four types and the other ten of
/// mclust's eigen-decomposition models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CovarianceType {
    /// VVV: each component has its own general covariance matrix.
    #[default]
    Full,
    /// VVI: each component has its own diagonal covariance matrix.
    Diagonal,
    /// VII: each component has its own single variance (a multiple of the identity).
    Spherical,
    /// EEE: all components share one general covariance matrix.
    Tied,
    /// EII: one variance shared by every component and coordinate.
    Eii,
    /// EEI: one diagonal covariance shared by every component.
    Eei,
    /// VEI: diagonal, a volume per component and one common shape.
    Vei,
    /// EVI: diagonal, a common volume and a shape per component.
    Evi,
    /// VEE: a volume per component; shape and orientation common.
    Vee,
    /// EVE: a shape per component; volume and orientation common.
    Eve,
    /// VVE: a volume and a shape per component; orientation common.
    Vve,
    /// EEV: an orientation per component; volume and shape common.
    Eev,
    /// VEV: a volume and an orientation per component; shape common.
    Vev,
    /// EVV: a shape and an orientation per component; volume common.
    Evv,
}

/// How one of a model's three parts (volume, shape, orientation) varies across components.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Letter {
    /// One value shared by every component.
    Equal,
    /// One value per component.
    Variable,
    /// The identity (no parameter).
    Identity,
}

impl Letter {
    /// How many of the part a model of K components stores.
    pub(crate) fn count(self, k: usize) -> usize {
        match self {
            Letter::Equal => 1,
            Letter::Variable => k,
            Letter::Identity => 0,
        }
    }
}

/// How the log-density kernel and the statistics see a model's covariances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// One variance per component (K values).
    Spherical,
    /// D variances per component (K×D).
    Diagonal,
    /// A D×D matrix per component.
    Full,
    /// One D×D matrix for every component.
    Tied,
}

impl Layout {
    /// Whether the statistics need only the scatter's diagonal.
    pub(crate) fn is_diagonal(self) -> bool {
        matches!(self, Layout::Spherical | Layout::Diagonal)
    }
}

impl CovarianceType {
    /// Every model, in mclust's order (fewest parameters first within each kind).
    pub const ALL: [CovarianceType; 14] = [
        Self::Eii,
        Self::Spherical,
        Self::Eei,
        Self::Vei,
        Self::Evi,
        Self::Diagonal,
        Self::Tied,
        Self::Vee,
        Self::Eve,
        Self::Vve,
        Self::Eev,
        Self::Vev,
        Self::Evv,
        Self::Full,
    ];

    /// scikit-learn's four types, in the order front ends have always listed them.
    pub const SCIKIT_LEARN: [CovarianceType; 4] =
        [Self::Full, Self::Diagonal, Self::Spherical, Self::Tied];

    /// mclust's three-letter code: `"VVV"` for full, `"VEV"`, ...
    pub fn code(&self) -> &'static str {
        match self {
            CovarianceType::Full => "VVV",
            CovarianceType::Diagonal => "VVI",
            CovarianceType::Spherical => "VII",
            CovarianceType::Tied => "EEE",
            CovarianceType::Eii => "EII",
            CovarianceType::Eei => "EEI",
            CovarianceType::Vei => "VEI",
            CovarianceType::Evi => "EVI",
            CovarianceType::Vee => "VEE",
            CovarianceType::Eve => "EVE",
            CovarianceType::Vve => "VVE",
            CovarianceType::Eev => "EEV",
            CovarianceType::Vev => "VEV",
            CovarianceType::Evv => "EVV",
        }
    }

    /// The name model files, tables and messages use: scikit-learn's (`"full"`, `"diag"`,
    /// `"spherical"`, `"tied"`) for its four types, mclust's code for the others.
    pub fn name(&self) -> &'static str {
        match self {
            CovarianceType::Full => "full",
            CovarianceType::Diagonal => "diag",
            CovarianceType::Spherical => "spherical",
            CovarianceType::Tied => "tied",
            other => other.code(),
        }
    }

    /// The model named `name`: a code (`"VEV"`) or a scikit-learn name (`"full"`), in any case.
    ///
    /// # Examples
    /// ```
    /// use mixture_gauss::CovarianceType;
    /// assert_eq!(CovarianceType::from_name("vvv"), Some(CovarianceType::Full));
    /// assert_eq!(CovarianceType::from_name("Diag"), Some(CovarianceType::Diagonal));
    /// assert_eq!(CovarianceType::from_name("VEV").map(|t| t.name()), Some("VEV"));
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.code().eq_ignore_ascii_case(name) || t.name().eq_ignore_ascii_case(name))
    }

    /// The volume, shape and orientation letters.
    pub(crate) fn letters(&self) -> [Letter; 3] {
        let code = self.code().as_bytes();
        [0, 1, 2].map(|i| match code[i] {
            b'E' => Letter::Equal,
            b'V' => Letter::Variable,
            _ => Letter::Identity,
        })
    }

    /// Whether the model is one of mclust's ten beyond scikit-learn's four, stored as
    /// volumes, shapes and orientations (scikit-learn's four keep scikit-learn's compact
    /// forms).
    pub fn is_eigen(&self) -> bool {
        !Self::SCIKIT_LEARN.contains(self)
    }

    /// Whether mclust defines its conjugate prior (`priorControl`) for the model, so that
    /// [`Gaussian::with_prior_shrinkage`](crate::Gaussian::with_prior_shrinkage) accepts it:
    /// every model but EVE, VEE, VVE and EVV.
    ///
    /// ```
    /// use mixture_gauss::CovarianceType;
    /// assert!(CovarianceType::Vev.has_map_prior());
    /// assert!(!CovarianceType::Vee.has_map_prior());
    /// ```
    pub fn has_map_prior(&self) -> bool {
        !matches!(
            self,
            CovarianceType::Eve | CovarianceType::Vee | CovarianceType::Vve | CovarianceType::Evv
        )
    }

    /// How the kernel sees the covariances.
    pub(crate) fn layout(&self) -> Layout {
        match self {
            CovarianceType::Spherical | CovarianceType::Eii => Layout::Spherical,
            CovarianceType::Tied => Layout::Tied,
            CovarianceType::Full => Layout::Full,
            _ if self.letters()[2] == Letter::Identity => Layout::Diagonal,
            _ => Layout::Full,
        }
    }

    /// How many volumes, shapes (of D values) and orientations (of D×D) the compact form of
    /// an eigen-decomposition model holds for K components (see [`CovarianceType::n_values`]).
    pub fn part_counts(&self, k: usize) -> [usize; 3] {
        self.letters().map(|l| l.count(k))
    }

    /// Number of values in the compact form for K components of dimension D: scikit-learn's
    /// shapes for its four types; for the others the volumes, then the shapes (D each), then
    /// the orientations (row-major D×D each, the columns being the axes).
    pub fn n_values(&self, k: usize, d: usize) -> usize {
        match self {
            CovarianceType::Full => k * d * d,
            CovarianceType::Diagonal => k * d,
            CovarianceType::Spherical => k,
            CovarianceType::Tied => d * d,
            _ => {
                let [v, s, o] = self.part_counts(k);
                v + s * d + o * d * d
            }
        }
    }

    /// The number of free covariance parameters of K components of dimension D (mclust's
    /// `nVarParams`; for scikit-learn's four types, scikit-learn's counts, which agree).
    pub fn n_covariance_parameters(&self, k: usize, d: usize) -> usize {
        let [volume, shape, orientation] = self.letters();
        // A volume is one value, a shape D − 1 (its determinant is 1), an orientation
        // D(D − 1)/2 (it is orthogonal).
        let volumes = volume.count(k);
        let shapes = shape.count(k) * (d - 1);
        let orientations = orientation.count(k) * d * (d - 1) / 2;
        volumes + shapes + orientations
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for CovarianceType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for CovarianceType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        CovarianceType::from_name(&name).ok_or_else(|| {
            serde::de::Error::custom(format_args!(
                "unknown covariance type {:?}, expected {}",
                name.chars().take(40).collect::<String>(),
                CovarianceType::expected()
            ))
        })
    }
}

impl CovarianceType {
    /// Every model's name (see [`CovarianceType::name`]), in [`CovarianceType::ALL`]'s order.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|t| t.name()).collect()
    }

    /// What a covariance type may be called, for messages: `"one of mclust's codes EII, ...,
    /// VVV or scikit-learn's names full, diag, spherical, tied (any case)"`.
    pub fn expected() -> String {
        let codes: Vec<_> = Self::ALL.iter().map(|t| t.code()).collect();
        let names: Vec<_> = Self::SCIKIT_LEARN.iter().map(|t| t.name()).collect();
        format!(
            "one of mclust's codes {} or scikit-learn's names {} (any case)",
            codes.join(", "),
            names.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_counts_are_mclusts() {
        // mclust's nVarParams, written out per model.
        let (g, d) = (3, 4);
        let expected = |t: CovarianceType| match t.code() {
            "EII" => 1,
            "VII" => g,
            "EEI" => d,
            "VEI" => g + (d - 1),
            "EVI" => 1 + g * (d - 1),
            "VVI" => g * d,
            "EEE" => d * (d + 1) / 2,
            "EVE" => 1 + g * (d - 1) + d * (d - 1) / 2,
            "VEE" => g + (d - 1) + d * (d - 1) / 2,
            "VVE" => g + g * (d - 1) + d * (d - 1) / 2,
            "EEV" => 1 + (d - 1) + g * d * (d - 1) / 2,
            "VEV" => g + (d - 1) + g * d * (d - 1) / 2,
            "EVV" => 1 + g * d * (d + 1) / 2 - g,
            "VVV" => g * d * (d + 1) / 2,
            _ => unreachable!(),
        };
        for t in CovarianceType::ALL {
            assert_eq!(t.n_covariance_parameters(g, d), expected(t), "{}", t.code());
        }
    }

    #[test]
    fn names_codes_and_layouts() {
        for t in CovarianceType::ALL {
            assert_eq!(CovarianceType::from_name(t.code()), Some(t));
            assert_eq!(CovarianceType::from_name(&t.name().to_lowercase()), Some(t));
        }
        assert_eq!(
            CovarianceType::from_name("tied"),
            Some(CovarianceType::Tied)
        );
        assert_eq!(CovarianceType::from_name("eee"), Some(CovarianceType::Tied));
        assert_eq!(CovarianceType::from_name("VVX"), None);
        assert_eq!(CovarianceType::Eii.layout(), Layout::Spherical);
        assert_eq!(CovarianceType::Evi.layout(), Layout::Diagonal);
        assert_eq!(CovarianceType::Vev.layout(), Layout::Full);
        assert_eq!(CovarianceType::Vev.n_values(3, 2), 3 + 2 + 3 * 4);
    }
}
