//! Typed errors: a stable code, the field it concerns, and a message in Vietnamese and English.
//! The texts live in `messages.rs`; this file only carries them.

use serde::Serialize;

use crate::messages;

/// Stable error codes. They cross to the CLI's JSON and to the UI, so never rename one.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    Required,
    TooLong,
    InvalidDate,
    EndBeforeStart,
    NegativeAmount,
    FutureDate,
    InvalidValue,
    UnknownUnit,
    UnitOutOfScope,
    UnitCycle,
    DuplicateCode,
    NotFound,
    InUse,
    UnknownReference,
    YearOutsideCampaign,
    InvalidJson,
    NotAnObject,
    WrongType,
    CodeFixed,
    UnknownField,
    StaleVersion,
    AlreadyDeleted,
    NotDeleted,
    AttachmentTooLarge,
    AttachmentType,
    SchemaTooNew,
    MigrationEdited,
    NotInitialized,
    InitializedForOtherUnit,
    InvalidCursor,
    DemoSeedUsed,
    InvalidArgument,
    BundleNotZip,
    BundleTruncated,
    BundleTooManyEntries,
    BundleTooLarge,
    BundleRatio,
    BundleEntryName,
    BundleDuplicateEntry,
    BundleMissingEntry,
    BundleTooNew,
    BundleManifest,
    BundleUntrusted,
    BundleRevoked,
    BundleSignature,
    BundleHash,
    BundleRecord,
    RecordUnreadable,
    OutOfAuthority,
    CardInvalid,
    OwnKey,
    CardOtherUnit,
    FingerprintMismatch,
    ConflictClosed,
    ConflictValue,
    CommitteeChair,
    DecisionVotes,
    DecisionQuorum,
    TransitionRefused,
    NominationLocked,
    NotAMember,
    ScoreOutOfScale,
    ScoresIncomplete,
    NotReviewing,
    InvalidVersion,
    ClockAhead,
    SignerRevoked,
    UnitCodeChanged,
    UnknownDestination,
    SheetFinal,
    SheetOpen,
    BundleNotForHere,
    SheetUnreadable,
    SheetNoHeader,
    UnknownColumn,
    LegacyEncoding,
    PersonAmbiguous,
    MemberNoOther,
    PurgeNotInTrash,
    RecordErased,
    ErasureRefused,
    BackupNotFound,
    BackupDamaged,
    DatabaseInUse,
    Io,
    Storage,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        messages::code_name(self)
    }
}

/// A message in both languages of the app.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub vi: String,
    pub en: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Error {
    pub code: Code,
    pub field: Option<String>,
    pub message: Message,
    /// Further problems found in the same input (other fields), so that a form can show them
    /// all at once; empty for most errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<Error>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error for `code`, with `arg` filled into the catalog's text where it has a slot.
    pub fn new(code: Code, field: Option<&str>, arg: &str) -> Self {
        let (vi, en) = messages::text(code, arg);
        Error {
            code,
            field: field.map(str::to_owned),
            message: Message { vi, en },
            others: Vec::new(),
        }
    }

    pub fn field(code: Code, field: &str) -> Self {
        Self::new(code, Some(field), "")
    }

    pub fn field_arg(code: Code, field: &str, arg: &str) -> Self {
        Self::new(code, Some(field), arg)
    }

    /// A file that could not be read or written, with the reason in both languages.
    pub fn io(field: Option<&str>, path: &str, e: &std::io::Error) -> Self {
        let (why_vi, why_en) = messages::io_reason(e);
        let (vi, en) = messages::text(Code::Io, &format!("\"{path}\""));
        Error {
            code: Code::Io,
            field: field.map(str::to_owned),
            message: Message {
                vi: format!("{vi}: {why_vi}."),
                en: format!("{en}: {why_en}."),
            },
            others: Vec::new(),
        }
    }

    pub fn plain(code: Code, arg: &str) -> Self {
        Self::new(code, None, arg)
    }

    /// The message in the chosen language.
    pub fn message_in(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.message.vi,
            Lang::En => &self.message.en,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message.en)
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!(error = %e, "sqlite error");
        Error::plain(Code::Storage, &e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::io(None, "", &e)
    }
}

/// The two languages of the app; Vietnamese is the default.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}
