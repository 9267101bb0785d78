//! How the domain's list types are stored: each in one TEXT column, space-separated, read back
//! into the type (RFC 6749 section 3.3 writes scopes the same way). The enums stored in TEXT
//! columns derive `sqlx::Type` beside their tables.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use crate::grant_type::GrantTypes;
use crate::scopes::Scopes;

/// Implements `Type`, `Encode` and `Decode` through the text form: `Display` to write,
/// `$parse` to read.
macro_rules! text_column {
    ($ty:ty, $parse:expr) => {
        impl<DB: Database> Type<DB> for $ty
        where
            String: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: Database> Encode<'q, DB> for $ty
        where
            String: Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as Database>::ArgumentBuffer<'q>,
            ) -> Result<IsNull, BoxDynError> {
                <String as Encode<'q, DB>>::encode(self.to_string(), buf)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $ty
        where
            &'r str: Decode<'r, DB>,
        {
            fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&'r str as Decode<'r, DB>>::decode(value)?;
                $parse(text)
            }
        }
    };
}

text_column!(Scopes, |text| Ok(Scopes::parse(text)));
text_column!(GrantTypes, |text| GrantTypes::parse(text)
    .map_err(Into::into));
