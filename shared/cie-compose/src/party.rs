//! Parties, addresses, contacts and delivery, as the documents share them: their input types, their
//! checks and how they are written in UBL.

use chrono::{Datelike, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::ComposeError;
use crate::xml::XmlWriter;

/// A Peppol electronic address (`cbc:EndpointID` and its `schemeID`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// The address, e.g. a 法人番号 `7000012050002`.
    pub id: String,
    /// The Peppol EAS scheme, e.g. `0188` (法人番号); written as given.
    pub scheme: String,
}

impl Endpoint {
    pub(crate) fn check(&self, field: &str) -> Result<(), ComposeError> {
        self.check_as(&format!("{field}.scheme"), &format!("{field}.id"))
    }

    /// Checks the address as documents written for it are checked, naming the scheme and the id by the
    /// fields given: the scheme an EAS code, under 0188 a 法人番号 of 13 digits with a valid check digit.
    pub fn check_as(&self, scheme_field: &str, id_field: &str) -> Result<(), ComposeError> {
        check::endpoint_scheme(scheme_field, &self.scheme)?;
        check::endpoint_id(id_field, &self.scheme, &self.id)
    }

    /// The check for an address copied from a received document: its form only, so that the city can
    /// always answer the address the supplier gave (under 0188 thirteen digits, check digit not verified,
    /// as the official JP PINT rules do not verify it either).
    pub(crate) fn check_form(&self, field: &str) -> Result<(), ComposeError> {
        check::endpoint_scheme(&format!("{field}.scheme"), &self.scheme)?;
        check::endpoint_id_form(&format!("{field}.id"), &self.scheme, &self.id)
    }

    pub(crate) fn write(&self, writer: &mut XmlWriter) {
        writer.leaf_with(
            "cbc:EndpointID",
            &[("schemeID", self.scheme.trim())],
            self.id.trim(),
        );
    }
}

fn japan() -> String {
    "JP".to_owned()
}

/// A postal address, in the order a Japanese address is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// 郵便番号, e.g. `203-8555`.
    #[serde(default)]
    pub postal_zone: Option<String>,
    /// 都道府県, e.g. `東京都`.
    #[serde(default)]
    pub country_subentity: Option<String>,
    /// 市区町村, e.g. `東久留米市`.
    pub city_name: String,
    /// 町名・番地, e.g. `本町3-3-1`.
    #[serde(default)]
    pub street_name: Option<String>,
    /// 建物名・部屋, e.g. `市役所 2階`.
    #[serde(default)]
    pub additional_street_name: Option<String>,
    /// ISO 3166-1 alpha-2 country code; `JP` when not given.
    #[serde(default = "japan")]
    pub country: String,
}

impl Address {
    pub(crate) fn check(&self, field: &str) -> Result<(), ComposeError> {
        check::optional_text(&format!("{field}.postal_zone"), self.postal_zone.as_deref())?;
        check::optional_text(
            &format!("{field}.country_subentity"),
            self.country_subentity.as_deref(),
        )?;
        check::text(&format!("{field}.city_name"), &self.city_name)?;
        check::optional_text(&format!("{field}.street_name"), self.street_name.as_deref())?;
        check::optional_text(
            &format!("{field}.additional_street_name"),
            self.additional_street_name.as_deref(),
        )?;
        check::country(&format!("{field}.country"), &self.country)
    }

    /// Writes the address as `element` (`cac:PostalAddress`, `cac:Address`).
    pub(crate) fn write(&self, writer: &mut XmlWriter, element: &'static str) {
        writer.start(element);
        writer.optional_leaf("cbc:StreetName", trimmed(&self.street_name));
        writer.optional_leaf(
            "cbc:AdditionalStreetName",
            trimmed(&self.additional_street_name),
        );
        if !self.city_name.trim().is_empty() {
            writer.leaf("cbc:CityName", self.city_name.trim());
        }
        writer.optional_leaf("cbc:PostalZone", trimmed(&self.postal_zone));
        writer.optional_leaf("cbc:CountrySubentity", trimmed(&self.country_subentity));
        writer.start("cac:Country");
        writer.leaf("cbc:IdentificationCode", self.country.trim());
        writer.end();
        writer.end();
    }
}

/// A contact point: at least one of name, telephone and e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Person or department, e.g. `会計課 契約係`.
    #[serde(default)]
    pub name: Option<String>,
    /// Telephone number.
    #[serde(default)]
    pub telephone: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
}

impl Contact {
    pub(crate) fn check(&self, field: &str) -> Result<(), ComposeError> {
        if self.name.is_none() && self.telephone.is_none() && self.email.is_none() {
            return Err(ComposeError::Empty {
                field: field.to_owned(),
            });
        }
        check::optional_text(&format!("{field}.name"), self.name.as_deref())?;
        check::optional_text(&format!("{field}.telephone"), self.telephone.as_deref())?;
        check::optional_text(&format!("{field}.email"), self.email.as_deref())
    }

    pub(crate) fn write(&self, writer: &mut XmlWriter) {
        self.write_as(writer, "cac:Contact");
    }

    /// Writes the contact as `element` (`cac:Contact`, `cac:DeliveryContact`).
    pub(crate) fn write_as(&self, writer: &mut XmlWriter, element: &'static str) {
        writer.start(element);
        writer.optional_leaf("cbc:Name", trimmed(&self.name));
        writer.optional_leaf("cbc:Telephone", trimmed(&self.telephone));
        writer.optional_leaf("cbc:ElectronicMail", trimmed(&self.email));
        writer.end();
    }
}

/// A buyer or seller of an order or request for quotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TradingParty {
    /// Legal name (`PartyLegalEntity/RegistrationName`), e.g. `東久留米市`, `株式会社〇〇商事`.
    pub name: String,
    /// Electronic address; required in an order and an invoice.
    #[serde(default)]
    pub endpoint: Option<Endpoint>,
    /// 登録番号 (`PartyTaxScheme/CompanyID` under the `VAT` scheme), for a registered supplier. On
    /// an invoice's seller it chooses the JP PINT profile: standard with it, non-tax-registered without.
    #[serde(default)]
    pub registration_number: Option<String>,
    /// Postal address; required in an invoice.
    #[serde(default)]
    pub address: Option<Address>,
    /// Contact point.
    #[serde(default)]
    pub contact: Option<Contact>,
}

impl TradingParty {
    pub(crate) fn check(&self, field: &str) -> Result<(), ComposeError> {
        check::text(&format!("{field}.name"), &self.name)?;
        if let Some(endpoint) = &self.endpoint {
            endpoint.check(&format!("{field}.endpoint"))?;
        }
        if let Some(number) = &self.registration_number {
            check::registration_number(&format!("{field}.registration_number"), number)?;
        }
        if let Some(address) = &self.address {
            address.check(&format!("{field}.address"))?;
        }
        if let Some(contact) = &self.contact {
            contact.check(&format!("{field}.contact"))?;
        }
        Ok(())
    }

    /// Refuses a party without an electronic address.
    pub(crate) fn require_endpoint(&self, field: &str) -> Result<(), ComposeError> {
        match self.endpoint {
            Some(_) => Ok(()),
            None => Err(ComposeError::Missing {
                field: format!("{field}.endpoint"),
            }),
        }
    }

    /// Refuses a party without a postal address.
    pub(crate) fn require_address(&self, field: &str) -> Result<(), ComposeError> {
        match self.address {
            Some(_) => Ok(()),
            None => Err(ComposeError::Missing {
                field: format!("{field}.address"),
            }),
        }
    }

    /// The 法人番号 of a party whose electronic address is one (scheme 0188).
    pub(crate) fn corporate_number(&self) -> Option<&str> {
        self.endpoint
            .as_ref()
            .filter(|endpoint| endpoint.scheme.trim() == check::CORPORATE_NUMBER_SCHEME)
            .map(|endpoint| endpoint.id.trim())
    }

    /// Writes `role` (`cac:BuyerCustomerParty`, …) wrapping its `cac:Party`.
    pub(crate) fn write(&self, writer: &mut XmlWriter, role: &'static str) {
        self.write_party(writer, role, None, None, true);
    }

    /// Writes `role` as a Peppol order carries it: without the 登録番号, which the Peppol order model has no
    /// place for on the seller and requires in a foreign (country-prefixed) form on the buyer, and with a
    /// postal address, which it requires of the seller: the party's own, else one naming only the country,
    /// Japan (the city's suppliers are recorded by their Japanese 登録番号).
    pub(crate) fn write_ordering(&self, writer: &mut XmlWriter, role: &'static str) {
        if self.address.is_some() {
            return self.write_party(writer, role, None, None, false);
        }
        let mut party = self.clone();
        party.address = Some(Address {
            postal_zone: None,
            country_subentity: None,
            city_name: String::new(),
            street_name: None,
            additional_street_name: None,
            country: japan(),
        });
        party.write_party(writer, role, None, None, false);
    }

    /// Writes `role` (`cac:AccountingSupplierParty`, `cac:AccountingCustomerParty`) as an invoice
    /// carries it: with `identifier` as the party identifier (`cac:PartyIdentification`, ibt-029 and
    /// ibt-046), and the 法人番号 of a 0188 address also as the legal registration identifier
    /// (`PartyLegalEntity/CompanyID`, ibt-030 and ibt-047).
    pub(crate) fn write_accounting(
        &self,
        writer: &mut XmlWriter,
        role: &'static str,
        identifier: Option<&str>,
    ) {
        self.write_party(writer, role, identifier, self.corporate_number(), true);
    }

    fn write_party(
        &self,
        writer: &mut XmlWriter,
        role: &'static str,
        identifier: Option<&str>,
        corporate_number: Option<&str>,
        with_registration_number: bool,
    ) {
        writer.start(role);
        writer.start("cac:Party");
        if let Some(endpoint) = &self.endpoint {
            endpoint.write(writer);
        }
        if let Some(identifier) = identifier {
            writer.start("cac:PartyIdentification");
            writer.leaf("cbc:ID", identifier);
            writer.end();
        }
        if let Some(address) = &self.address {
            address.write(writer, "cac:PostalAddress");
        }
        if let Some(number) = self
            .registration_number
            .as_ref()
            .filter(|_| with_registration_number)
        {
            writer.start("cac:PartyTaxScheme");
            writer.leaf("cbc:CompanyID", number.trim());
            writer.start("cac:TaxScheme");
            writer.leaf("cbc:ID", "VAT");
            writer.end();
            writer.end();
        }
        writer.start("cac:PartyLegalEntity");
        writer.leaf("cbc:RegistrationName", self.name.trim());
        if let Some(number) = corporate_number {
            writer.leaf_with(
                "cbc:CompanyID",
                &[("schemeID", check::CORPORATE_NUMBER_SCHEME)],
                number,
            );
        }
        writer.end();
        if let Some(contact) = &self.contact {
            contact.write(writer);
        }
        writer.end();
        writer.end();
    }
}

/// A period of days (requested or promised delivery, invoicing, validity); at least one end is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First day.
    #[serde(default)]
    pub start: Option<NaiveDate>,
    /// Last day, not before the first.
    #[serde(default)]
    pub end: Option<NaiveDate>,
}

impl Period {
    pub(crate) fn check(&self, field: &str) -> Result<(), ComposeError> {
        check::optional_date(&format!("{field}.start"), self.start)?;
        check::optional_date(&format!("{field}.end"), self.end)?;
        match (self.start, self.end) {
            (None, None) => Err(ComposeError::Empty {
                field: field.to_owned(),
            }),
            (Some(start), Some(end)) if end < start => Err(ComposeError::DateOrder {
                field: format!("{field}.end"),
                earlier_field: format!("{field}.start"),
            }),
            _ => Ok(()),
        }
    }

    /// Writes the period as `element` (`cac:InvoicePeriod`, `cac:RequestedDeliveryPeriod`,
    /// `cac:ValidityPeriod`, …).
    pub(crate) fn write(&self, writer: &mut XmlWriter, element: &'static str) {
        writer.start(element);
        writer.optional_leaf("cbc:StartDate", self.start.map(iso_date).as_deref());
        writer.optional_leaf("cbc:EndDate", self.end.map(iso_date).as_deref());
        writer.end();
    }
}

/// Where (and when) goods are to be delivered or services performed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// Delivery address (`Delivery/DeliveryLocation/Address`).
    pub address: Address,
    /// Requested period (`Delivery/RequestedDeliveryPeriod`).
    #[serde(default)]
    pub requested_period: Option<Period>,
}

impl Delivery {
    pub(crate) fn check(&self, field: &str) -> Result<(), ComposeError> {
        self.address.check(&format!("{field}.address"))?;
        if let Some(period) = &self.requested_period {
            period.check(&format!("{field}.requested_period"))?;
        }
        Ok(())
    }

    pub(crate) fn write(&self, writer: &mut XmlWriter) {
        writer.start("cac:Delivery");
        writer.start("cac:DeliveryLocation");
        self.address.write(writer, "cac:Address");
        writer.end();
        if let Some(period) = &self.requested_period {
            period.write(writer, "cac:RequestedDeliveryPeriod");
        }
        writer.end();
    }
}

/// A date as `xs:date` writes it, e.g. `2025-04-01`.
pub(crate) fn iso_date(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// A time as `xs:time` writes it, e.g. `09:30:00`, with fractional seconds only when there are some.
pub(crate) fn iso_time(time: NaiveTime) -> String {
    time.format("%H:%M:%S%.f").to_string()
}

/// An optional text without its surrounding white space.
pub(crate) fn trimmed(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim)
}
