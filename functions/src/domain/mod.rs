//! The forms as typed values. Nothing here knows about HTTP, storage or
//! mail: parsing a post either yields a `Submission` that holds only valid
//! data, or the list of problems to show the user.

mod choice;
mod email;
mod field;
mod lang;
mod phone;
mod raw;
mod submission;
mod text;

pub use choice::{Consent, Municipality, Programme};
pub use email::EmailAddress;
pub use field::{Field, FieldErrors, Problem};
pub use lang::Lang;
pub use phone::PhoneNumber;
pub use raw::{BodyError, RawForm};
pub use submission::{Details, FormKind, Parsed, Reach, Referrer, Submission, parse, thank_you_path};
pub use text::{ChildrenAges, MessageText, Organisation, PersonName, PickerName};
