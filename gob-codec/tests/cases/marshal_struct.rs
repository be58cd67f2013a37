//! Rust mirrors of Go marshaling types whose Go type is a struct with exported fields, for which
//! Go's encoder also sends the definitions of those fields' types, and of `*time.Time` fields.

use std::collections::HashMap;

use gob_codec::{GoMarshal, GoStructFields, MarshalKind, Time};
use serde::{Deserialize, Serialize};

use super::marshal::marshaled_serde;
use super::types::{Person, Point};

/// Go's `Secret`, a GobEncoder whose bytes are its owner's name; its Go struct has the fields
/// `Owner Person`, `Tags []string`, `Index map[string]Point` (and an unexported one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secret {
    pub owner: String,
}

impl GoMarshal for Secret {
    const GO_TYPE: &'static str = "main.Secret";
    const KIND: MarshalKind = MarshalKind::Gob;
    fn marshal(&self) -> Result<Vec<u8>, String> {
        Ok(self.owner.clone().into_bytes())
    }
    fn unmarshal(b: &[u8]) -> Result<Self, String> {
        let owner = String::from_utf8(b.to_vec()).map_err(|e| e.to_string())?;
        Ok(Secret { owner })
    }
    fn is_zero(&self) -> bool {
        self.owner.is_empty()
    }
    fn zero() -> Self {
        Secret::default()
    }
    fn go_struct_fields(f: &mut impl GoStructFields) {
        f.field::<Person>();
        f.field::<Vec<String>>();
        f.field::<HashMap<String, Point>>();
    }
}
marshaled_serde!(Secret);

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Vault {
    pub Label: String,
    pub Key: Secret,
    pub Keeper: Person,
}

/// Go's `url.Userinfo`: no exported fields, so its definition is an empty struct.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Userinfo {}

/// Go's `url.URL`, whose `*URL` is a BinaryMarshaler (the URL's text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Url(pub String);

impl GoMarshal for Url {
    const GO_TYPE: &'static str = "url.URL";
    const KIND: MarshalKind = MarshalKind::Binary;
    fn marshal(&self) -> Result<Vec<u8>, String> {
        Ok(self.0.clone().into_bytes())
    }
    fn unmarshal(b: &[u8]) -> Result<Self, String> {
        String::from_utf8(b.to_vec())
            .map(Url)
            .map_err(|e| e.to_string())
    }
    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }
    fn zero() -> Self {
        Url::default()
    }
    /// Scheme, Opaque, User, Host, Path, RawPath, OmitHost, ForceQuery, RawQuery, Fragment,
    /// RawFragment.
    fn go_struct_fields(f: &mut impl GoStructFields) {
        f.field::<String>();
        f.field::<String>();
        f.field::<Option<Userinfo>>();
        for _ in 0..3 {
            f.field::<String>();
        }
        f.field::<bool>();
        f.field::<bool>();
        for _ in 0..3 {
            f.field::<String>();
        }
    }
}
marshaled_serde!(Url);

/// `*url.URL` fields are `Option<Url>`: the marshaler is reached through a pointer.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Site {
    pub Name: String,
    pub Home: Option<Url>,
    pub Links: Vec<Option<Url>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Stamps {
    pub Ptr: Option<Time>,
    pub Val: Time,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct StampsAfter {
    pub Val: Time,
    pub Ptr: Option<Time>,
}
