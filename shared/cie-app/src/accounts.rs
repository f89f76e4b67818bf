//! Accounts: logging in, and the administration of tenants, supplier organisations, users and finance
//! clients. Shared by the admin API and the `admin` subcommand.

use chrono::{DateTime, Utc};
use cie_domain::{RegistrationNumber, Role, TenantId};
use cie_store::{ArchiveVerification, NewSupplierOrg, NewUser, SupplierOrg, Tenant, User};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{self, Caller};
use crate::error::Error;
use crate::login_guard::Subject;

/// A successful login.
#[derive(Debug, Serialize)]
pub struct Session {
    /// Bearer token.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// The role it carries.
    pub role: Role,
    /// The tenant it is for.
    pub tenant: TenantId,
    /// The supplier organisation, for supplier users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_org_id: Option<i64>,
}

/// Checks a user's (or finance client's) password and issues a token.
pub async fn login(
    state: &AppState,
    tenant: &str,
    username: &str,
    password: &str,
    address: Option<std::net::IpAddr>,
) -> Result<Session, Error> {
    let user = authenticate(state, tenant, username, password, address).await?;
    let caller = caller_of(&user);
    let (token, expires_at) = state.tokens.issue(&caller, state.clock.now())?;
    Ok(Session {
        token,
        expires_at,
        role: user.role,
        tenant: user.tenant,
        supplier_org_id: user.supplier_org_id,
    })
}

fn caller_of(user: &cie_store::User) -> Caller {
    Caller {
        user_id: user.id,
        tenant: user.tenant.clone(),
        role: user.role,
        supplier_org_id: user.supplier_org_id,
        username: user.username.clone(),
    }
}

/// Logs a person into the web pages: the same checks and throttling as [`login`], then a server-side session
/// whose random token goes into a cookie (only its SHA-256 is stored). Returns the token and the session.
pub async fn start_web_session(
    state: &AppState,
    tenant: &str,
    username: &str,
    password: &str,
    address: Option<std::net::IpAddr>,
) -> Result<(String, cie_store::WebSession), Error> {
    let user = authenticate(state, tenant, username, password, address).await?;
    let now = state.clock.now();
    let token = format!("{}.{}", user.tenant, auth::random_secret(32));
    let session = cie_store::WebSession {
        tenant: user.tenant.clone(),
        user_id: user.id,
        csrf_token: auth::random_secret(24),
        expires_at: now + chrono::Duration::minutes(state.config.auth.token_ttl_minutes),
    };
    state
        .store
        .create_web_session(&session, &token_digest(&token), now)
        .await?;
    Ok((token, session))
}

/// The caller and session a web-session cookie names, if it is live.
pub async fn web_caller(
    state: &AppState,
    token: &str,
) -> Result<Option<(Caller, cie_store::WebSession)>, Error> {
    let Some(tenant) = tenant_of_token(token) else {
        return Ok(None);
    };
    let now = state.clock.now();
    let idle_since = now - chrono::Duration::minutes(state.config.web.idle_minutes.max(1));
    let Some(session) = state
        .store
        .web_session(&tenant, &token_digest(token), now, idle_since)
        .await?
    else {
        return Ok(None);
    };
    let user = state.store.user(&tenant, session.user_id).await?;
    Ok(Some((caller_of(&user), session)))
}

/// Ends the web session a cookie names (logging out); an unknown or ended one is no error.
pub async fn end_web_session(state: &AppState, token: &str) -> Result<(), Error> {
    if let Some(tenant) = tenant_of_token(token) {
        state
            .store
            .end_web_session(&tenant, &token_digest(token), state.clock.now())
            .await?;
    }
    Ok(())
}

/// The user whose password `password` is, after the throttling checks; failures are counted.
async fn authenticate(
    state: &AppState,
    tenant: &str,
    username: &str,
    password: &str,
    address: Option<std::net::IpAddr>,
) -> Result<cie_store::User, Error> {
    let account = Subject::Account(tenant.to_owned(), username.to_lowercase());
    let mut subjects = vec![account.clone()];
    subjects.extend(address.map(Subject::Address));
    let now = state.clock.now();
    if let Err(locked) = state.login_guard.check(&subjects, now) {
        return Err(Error::Throttled {
            retry_after_seconds: locked.retry_after_seconds,
        });
    }
    let tenant = match TenantId::parse(tenant) {
        Ok(tenant) => tenant,
        Err(_) => return Err(failed_login(state, None, &subjects, now).await),
    };
    let user = state.store.user_by_username(&tenant, username).await?;
    let password = password.to_owned();
    // Verify against a dummy hash when the user is unknown, so timing does not tell which names exist.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.dummy_hash.clone());
    let Some(turn) = state
        .login_guard
        .hashing_turn(std::time::Duration::from_secs(2))
        .await
    else {
        return Err(Error::Busy(
            "too many logins at once: try again in a moment".into(),
        ));
    };
    let guard = state.login_guard.clone();
    let matches = tokio::task::spawn_blocking(move || guard.memory.verify(&password, &hash))
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    drop(turn);
    let user = match user {
        Some(user) if matches => user,
        _ => return Err(failed_login(state, Some(&tenant), &subjects, now).await),
    };
    state.login_guard.succeeded(&account);
    Ok(user)
}

/// Counts a failed login against its account and address, logs a lock it starts (and records it as a
/// security event of the city, when the city exists), and answers as for any wrong credentials.
async fn failed_login(
    state: &AppState,
    tenant: Option<&TenantId>,
    subjects: &[Subject],
    now: chrono::DateTime<chrono::Utc>,
) -> Error {
    let Some(locked) = state.login_guard.failed(subjects, now) else {
        return Error::InvalidCredentials;
    };
    tracing::warn!(target: "security", subjects = ?subjects, seconds = locked.retry_after_seconds,
                   "login locked after repeated failures");
    let account = subjects.iter().find_map(|s| match s {
        Subject::Account(_, name) => Some(name.as_str()),
        _ => None,
    });
    let address = subjects.iter().find_map(|s| match s {
        Subject::Address(ip) => Some(ip.to_string()),
        _ => None,
    });
    if let Some(tenant) = tenant {
        let detail = serde_json::json!({ "locked_seconds": locked.retry_after_seconds });
        // The tenant may not exist (a guess at a city's id): the log line above is then all there is.
        if let Err(failure) = state
            .store
            .record_security_event(
                tenant,
                now,
                "login_locked",
                account,
                address.as_deref(),
                &detail,
            )
            .await
        {
            tracing::debug!(error = %failure, "the lock was not recorded as a security event");
        }
    }
    Error::InvalidCredentials
}

/// `tenant`'s newest security events (at most `limit`, up to 500).
pub async fn security_events(
    state: &AppState,
    tenant: &TenantId,
    limit: Option<i64>,
) -> Result<Vec<cie_store::SecurityEvent>, Error> {
    Ok(state
        .store
        .security_events(tenant, limit.unwrap_or(100).clamp(1, 500))
        .await?)
}

/// A tenant to create, optionally with its first administrator.
#[derive(Debug, Deserialize)]
pub struct NewTenantRequest {
    /// Slug, e.g. `higashikurume`.
    pub id: String,
    /// Display name, e.g. 東久留米市.
    pub name: String,
    /// First administrator's login name.
    pub admin_username: Option<String>,
    /// First administrator's password.
    pub admin_password: Option<String>,
}

/// Creates a tenant (and its first administrator when named).
pub async fn create_tenant(state: &AppState, request: NewTenantRequest) -> Result<Tenant, Error> {
    let tenant = TenantId::parse(&request.id)
        .map_err(|e| Error::invalid("invalid_tenant_id", e.to_string()))?;
    if request.name.trim().is_empty() {
        return Err(Error::invalid("missing_field", "a tenant needs a name"));
    }
    let admin = match (request.admin_username, request.admin_password) {
        (Some(username), Some(password)) => Some((username, password)),
        (None, None) => None,
        _ => {
            return Err(Error::invalid(
                "missing_field",
                "admin_username and admin_password go together",
            ));
        }
    };
    if let Some((username, password)) = &admin {
        check_credentials(username, password)?;
    }
    let created = state
        .store
        .create_tenant(&tenant, request.name.trim(), state.clock.now())
        .await?;
    if let Some((username, password)) = admin {
        create_user(
            state,
            &tenant,
            NewUserRequest {
                username,
                password,
                role: Role::Admin,
                display_name: None,
                supplier_org_id: None,
            },
        )
        .await?;
    }
    Ok(created)
}

/// A supplier organisation to register.
#[derive(Debug, Deserialize)]
pub struct NewSupplierOrgRequest {
    /// Legal name.
    pub name: String,
    /// 登録番号 (`T` + 13 digits), absent for a business that is not registered.
    pub registration_number: Option<String>,
    /// 債権者番号 of the city.
    pub creditor_number: Option<String>,
}

/// A registered supplier organisation, with what the admin should know about it.
#[derive(Debug)]
pub struct RegisteredSupplierOrg {
    /// The organisation.
    pub org: SupplierOrg,
    /// Warnings: the NTA registry, as imported, does not list its 登録番号 as registered today.
    pub warnings: Vec<String>,
}

/// Registers a supplier organisation in `tenant`. A 登録番号 must carry its check digit, and neither it nor
/// the 債権者番号 may belong to another organisation of the city; a number the imported registry does not
/// list as registered today is accepted with a warning (the registry may be older than the registration).
pub async fn create_supplier_org(
    state: &AppState,
    tenant: &TenantId,
    request: NewSupplierOrgRequest,
) -> Result<RegisteredSupplierOrg, Error> {
    if request.name.trim().is_empty() {
        return Err(Error::invalid(
            "missing_field",
            "a supplier organisation needs a name",
        ));
    }
    let registration_number = request
        .registration_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(RegistrationNumber::parse)
        .transpose()
        .map_err(|e| Error::invalid("invalid_registration_number", e.to_string()))?;
    if let Some(number) = registration_number
        .as_ref()
        .filter(|n| !n.has_valid_check_digit())
    {
        return Err(Error::invalid(
            "invalid_registration_number",
            format!(
                "registration_number {number}: the check digit is wrong (the first of the 13 digits does not \
                 follow from the other twelve); check the number on the supplier's notice of registration"
            ),
        ));
    }
    let creditor_number = request
        .creditor_number
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let existing = state.store.list_supplier_orgs(tenant).await?;
    if let Some(number) = &registration_number
        && let Some(other) = existing
            .iter()
            .find(|o| o.registration_number.as_deref() == Some(number.as_str()))
    {
        return Err(Error::Conflict(format!(
            "a supplier organisation with registration_number {number} (no. {}, {})",
            other.id, other.name
        )));
    }
    if let Some(creditor) = &creditor_number
        && let Some(other) = existing
            .iter()
            .find(|o| o.creditor_number.as_deref() == Some(creditor.as_str()))
    {
        return Err(Error::Conflict(format!(
            "a supplier organisation with creditor_number {creditor} (no. {}, {})",
            other.id, other.name
        )));
    }
    let mut warnings = Vec::new();
    if let Some(number) = &registration_number {
        let today = cie_workflow::japan_day(state.clock.now());
        let check = crate::registry::check(state, number.as_str(), today, None).await?;
        if let Some(data_date) = check.data_date
            && check.status != cie_registry::RegistrationStatus::Registered
        {
            warnings.push(format!(
                "the NTA registry (data of {data_date}) does not list {number} as registered today ({})",
                check.status.as_str()
            ));
        }
    }
    let org = NewSupplierOrg {
        name: request.name.trim().to_owned(),
        registration_number,
        creditor_number,
    };
    let org = state
        .store
        .create_supplier_org(tenant, &org, state.clock.now())
        .await?;
    Ok(RegisteredSupplierOrg { org, warnings })
}

/// A user to create.
#[derive(Debug, Deserialize)]
pub struct NewUserRequest {
    /// Login name.
    pub username: String,
    /// Password (at least 10 characters).
    pub password: String,
    /// Role.
    pub role: Role,
    /// Name to show.
    pub display_name: Option<String>,
    /// Organisation, required for (and only for) supplier users.
    pub supplier_org_id: Option<i64>,
}

/// Creates a user in `tenant`.
pub async fn create_user(
    state: &AppState,
    tenant: &TenantId,
    request: NewUserRequest,
) -> Result<User, Error> {
    check_credentials(&request.username, &request.password)?;
    check_role_and_org(request.role, request.supplier_org_id)?;
    let password = request.password;
    let password_hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    let user = NewUser {
        username: request.username.trim().to_owned(),
        display_name: request.display_name,
        role: request.role,
        supplier_org_id: request.supplier_org_id,
        is_client: false,
        password_hash,
    };
    Ok(state
        .store
        .create_user(tenant, &user, state.clock.now())
        .await?)
}

/// A new user's role and organisation fit: a supplier user has one, a city user none.
fn check_role_and_org(role: Role, supplier_org_id: Option<i64>) -> Result<(), Error> {
    match (role, supplier_org_id) {
        (Role::Supplier, None) => Err(Error::invalid(
            "missing_field",
            "a supplier user needs supplier_org_id",
        )),
        (role, Some(_)) if role != Role::Supplier => Err(Error::invalid(
            "invalid_request",
            format!("a {role} user belongs to the city, not to a supplier organisation"),
        )),
        _ => Ok(()),
    }
}

/// Who sees the city's supplier organisations: every user on the city's side.
const CITY_USERS: [Role; 4] = [Role::Admin, Role::Staff, Role::Approver, Role::Finance];

/// The supplier organisations of the caller's city (city users).
pub async fn supplier_orgs(state: &AppState, caller: &Caller) -> Result<Vec<SupplierOrg>, Error> {
    caller.require(&CITY_USERS)?;
    Ok(state.store.list_supplier_orgs(&caller.tenant).await?)
}

/// Supplier organisation `id` of the caller's city (city users).
pub async fn supplier_org(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<SupplierOrg, Error> {
    caller.require(&CITY_USERS)?;
    Ok(state.store.supplier_org(&caller.tenant, id).await?)
}

/// Registers a supplier organisation of the caller's city (administrators), as [`create_supplier_org`]
/// checks it.
pub async fn register_supplier_org(
    state: &AppState,
    caller: &Caller,
    request: NewSupplierOrgRequest,
) -> Result<RegisteredSupplierOrg, Error> {
    caller.require(&[Role::Admin])?;
    create_supplier_org(state, &caller.tenant, request).await
}

/// The users and machine clients of the caller's city (administrators).
pub async fn users(state: &AppState, caller: &Caller) -> Result<Vec<User>, Error> {
    caller.require(&[Role::Admin])?;
    Ok(state.store.list_users(&caller.tenant).await?)
}

/// Creates a user of the caller's city with a password (administrators), as [`create_user`] checks it.
pub async fn add_user(
    state: &AppState,
    caller: &Caller,
    request: NewUserRequest,
) -> Result<User, Error> {
    caller.require(&[Role::Admin])?;
    create_user(state, &caller.tenant, request).await
}

/// A finance-system client just created: its secret is shown once.
#[derive(Debug, Serialize)]
pub struct FinanceClientCredentials {
    /// Log in with this as the user name.
    pub client_id: String,
    /// And this as the password. Not stored in clear; not shown again.
    pub client_secret: String,
    /// The client's user id.
    pub user_id: i64,
}

/// Creates a machine client for the city's financial accounting system, with a generated secret.
pub async fn create_finance_client(
    state: &AppState,
    tenant: &TenantId,
    name: &str,
) -> Result<FinanceClientCredentials, Error> {
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::invalid(
            "invalid_request",
            "a finance client name is ASCII letters, digits, '-' or '_'",
        ));
    }
    let client_id = format!("finance-{name}");
    let client_secret = auth::random_secret(24);
    let secret = client_secret.clone();
    let password_hash = tokio::task::spawn_blocking(move || auth::hash_password(&secret))
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    let user = NewUser {
        username: client_id.clone(),
        display_name: Some(name.to_owned()),
        role: Role::Finance,
        supplier_org_id: None,
        is_client: true,
        password_hash,
    };
    let created = state
        .store
        .create_user(tenant, &user, state.clock.now())
        .await?;
    Ok(FinanceClientCredentials {
        client_id,
        client_secret,
        user_id: created.id,
    })
}

/// Recomputes `tenant`'s archive chain.
pub async fn verify_archive(
    state: &AppState,
    tenant: &TenantId,
) -> Result<ArchiveVerification, Error> {
    let mut report = state.store.verify_archive(tenant).await?;
    crate::sealing::check_against_checkpoint(state, &mut report).await?;
    Ok(report)
}

fn check_credentials(username: &str, password: &str) -> Result<(), Error> {
    check_username(username)?;
    check_password(password)
}

fn check_username(username: &str) -> Result<(), Error> {
    let username = username.trim();
    if username.is_empty() || username.len() > 100 || username.chars().any(char::is_whitespace) {
        return Err(Error::invalid(
            "invalid_username",
            "a user name is 1 to 100 characters without spaces",
        ));
    }
    Ok(())
}

/// Refuses a password shorter than 10 characters (`weak_password`).
pub fn check_password(password: &str) -> Result<(), Error> {
    if password.chars().count() < 10 {
        return Err(Error::invalid(
            "weak_password",
            "a password needs at least 10 characters",
        ));
    }
    Ok(())
}

/// Days an invitation link works.
pub const INVITATION_DAYS: i64 = 7;

/// Whom to invite: the user the person will be.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    /// Login name.
    pub username: String,
    /// Role (not `finance`: finance systems get client credentials).
    pub role: Role,
    /// Name to show.
    pub display_name: Option<String>,
    /// Organisation, required for (and only for) supplier users.
    pub supplier_org_id: Option<i64>,
}

/// An invitation made: the link to hand to the person (shown once) and until when it works.
#[derive(Debug, Serialize)]
pub struct InvitationLink {
    /// The page's path, e.g. `/invite/higashikurume.3f…`; put the service's address in front.
    pub path: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// What is stored of a session or invitation token: its SHA-256, never the token.
fn token_digest(token: &str) -> String {
    cie_audit::content_sha256(token.as_bytes())
}

/// The city a session or invitation token (`<tenant>.<random>`) belongs to.
fn tenant_of_token(token: &str) -> Option<TenantId> {
    token
        .split_once('.')
        .and_then(|(tenant, _)| TenantId::parse(tenant).ok())
}

/// Invites a person of the caller's city (administrators only): checked now as the user will be made, so
/// following the link cannot fail on anything but the password.
pub async fn invite(
    state: &AppState,
    caller: &Caller,
    request: InvitationRequest,
) -> Result<InvitationLink, Error> {
    caller.require(&[Role::Admin])?;
    check_username(&request.username)?;
    check_role_and_org(request.role, request.supplier_org_id)?;
    if request.role == Role::Finance {
        return Err(Error::invalid(
            "invalid_request",
            "a finance system gets client credentials (POST /api/v1/admin/finance-clients), not an invitation",
        ));
    }
    if let Some(org) = request.supplier_org_id {
        state.store.supplier_org(&caller.tenant, org).await?;
    }
    let username = request.username.trim().to_owned();
    if state
        .store
        .user_by_username(&caller.tenant, &username)
        .await?
        .is_some()
    {
        return Err(Error::Conflict(format!("user {username:?} already exists")));
    }
    let now = state.clock.now();
    let token = format!("{}.{}", caller.tenant, auth::random_secret(32));
    let invitation = cie_store::Invitation {
        tenant: caller.tenant.clone(),
        username,
        role: request.role,
        display_name: request.display_name,
        supplier_org_id: request.supplier_org_id,
        created_by: caller.user_id,
        expires_at: now + chrono::Duration::days(INVITATION_DAYS),
    };
    state
        .store
        .create_invitation(&invitation, &token_digest(&token), now)
        .await?;
    Ok(InvitationLink {
        path: format!("/invite/{token}"),
        expires_at: invitation.expires_at,
    })
}

/// The invitation a link names, if it is unused and has not expired.
pub async fn open_invitation(
    state: &AppState,
    token: &str,
) -> Result<Option<cie_store::Invitation>, Error> {
    let Some(tenant) = tenant_of_token(token) else {
        return Ok(None);
    };
    Ok(state
        .store
        .open_invitation(&tenant, &token_digest(token), state.clock.now())
        .await?)
}

/// Follows an invitation: makes its user with `password`, uses the invitation up and logs the person in.
pub async fn accept_invitation(
    state: &AppState,
    token: &str,
    password: &str,
    address: Option<std::net::IpAddr>,
) -> Result<(String, cie_store::WebSession), Error> {
    let invitation = open_invitation(state, token)
        .await?
        .ok_or_else(|| Error::NotFound("invitation (used already, or expired)".into()))?;
    check_password(password)?;
    let tenant = invitation.tenant.clone();
    let user = create_user(
        state,
        &tenant,
        NewUserRequest {
            username: invitation.username.clone(),
            password: password.to_owned(),
            role: invitation.role,
            display_name: invitation.display_name.clone(),
            supplier_org_id: invitation.supplier_org_id,
        },
    )
    .await?;
    state
        .store
        .accept_invitation(&tenant, &token_digest(token), state.clock.now())
        .await?;
    start_web_session(state, tenant.as_str(), &user.username, password, address).await
}

/// Changes the caller's password after checking the current one (failures count towards the login lock);
/// every other web session of the caller ends. `session_token`: the web session the change is made in, kept.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    current: &str,
    new: &str,
    session_token: Option<&str>,
) -> Result<(), Error> {
    let account = Subject::Account(caller.tenant.to_string(), caller.username.to_lowercase());
    let now = state.clock.now();
    if let Err(locked) = state.login_guard.check(std::slice::from_ref(&account), now) {
        return Err(Error::Throttled {
            retry_after_seconds: locked.retry_after_seconds,
        });
    }
    let user = state.store.user(&caller.tenant, caller.user_id).await?;
    let guard = state.login_guard.clone();
    let current = current.to_owned();
    let hash = user.password_hash.clone();
    let matches = tokio::task::spawn_blocking(move || guard.memory.verify(&current, &hash))
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    if !matches {
        state
            .login_guard
            .failed(std::slice::from_ref(&account), now);
        return Err(Error::invalid(
            "wrong_current_password",
            "the current password is not right",
        ));
    }
    check_password(new)?;
    let new = new.to_owned();
    let password_hash = tokio::task::spawn_blocking(move || auth::hash_password(&new))
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    let keep = session_token.map(token_digest);
    state
        .store
        .set_password(
            &caller.tenant,
            caller.user_id,
            &password_hash,
            keep.as_deref(),
        )
        .await?;
    Ok(())
}
