//! An S3-compatible object store (AWS S3, MinIO, Ceph, the object storage of Japanese clouds) reached over
//! HTTP(S): objects are put, got and checked by key. Each request is signed with AWS Signature V4 as a
//! pre-signed URL valid for a minute, so nothing but the URL and the body travel.

use std::time::Duration;

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

/// How long a signed request stays valid.
const SIGNED_FOR: Duration = Duration::from_secs(60);

/// Where the store is and how to sign for it.
#[derive(Clone)]
pub struct ObjectStoreSettings {
    /// The service endpoint, e.g. `https://s3.ap-northeast-1.amazonaws.com` or `http://127.0.0.1:9000`.
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// The region the bucket is in (`us-east-1` for most S3-compatible servers).
    pub region: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// Address the bucket in the path (`endpoint/bucket/key`), as MinIO and most S3-compatible servers
    /// expect, rather than as a host name (`bucket.endpoint/key`).
    pub path_style: bool,
    /// Prepended to every key, e.g. `originals/`.
    pub prefix: String,
    /// Most time one request may take.
    pub timeout: Duration,
}

impl std::fmt::Debug for ObjectStoreSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStoreSettings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .field("path_style", &self.path_style)
            .field("prefix", &self.prefix)
            .finish()
    }
}

/// What went wrong with the object store.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// The settings cannot address a store.
    #[error("object store settings: {0}")]
    Settings(String),
    /// The store could not be reached or did not answer in time.
    #[error("the object store at {endpoint} does not answer: {detail}")]
    Unreachable {
        /// The endpoint.
        endpoint: String,
        /// What the HTTP client said.
        detail: String,
    },
    /// The store answered with an error.
    #[error("the object store refused to {action} {key}: HTTP {status}: {body}")]
    Refused {
        /// `put`, `get` or `check`.
        action: &'static str,
        /// The full key.
        key: String,
        /// The HTTP status.
        status: u16,
        /// The start of the store's answer.
        body: String,
    },
}

/// A bucket of an S3-compatible store, with a key prefix.
#[derive(Clone)]
pub struct ObjectStore {
    bucket: Bucket,
    credentials: Credentials,
    client: reqwest::Client,
    prefix: String,
    endpoint: String,
}

impl std::fmt::Debug for ObjectStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStore")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket.name())
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl ObjectStore {
    /// A client for the bucket `settings` name (nothing is sent yet: see [`ObjectStore::check`]).
    pub fn new(settings: &ObjectStoreSettings) -> Result<ObjectStore, ObjectError> {
        let endpoint: url::Url = settings
            .endpoint
            .parse()
            .map_err(|e| ObjectError::Settings(format!("endpoint {:?}: {e}", settings.endpoint)))?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(ObjectError::Settings(format!(
                "endpoint {:?} is not http:// or https://",
                settings.endpoint
            )));
        }
        if settings.bucket.is_empty() {
            return Err(ObjectError::Settings("the bucket is not named".into()));
        }
        let style = if settings.path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let bucket = Bucket::new(
            endpoint,
            style,
            settings.bucket.clone(),
            settings.region.clone(),
        )
        .map_err(|e| ObjectError::Settings(format!("bucket {:?}: {e}", settings.bucket)))?;
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()
            .map_err(|e| ObjectError::Settings(format!("HTTP client: {e}")))?;
        Ok(ObjectStore {
            bucket,
            credentials: Credentials::new(
                settings.access_key_id.clone(),
                settings.secret_access_key.clone(),
            ),
            client,
            prefix: settings.prefix.clone(),
            endpoint: settings.endpoint.clone(),
        })
    }

    fn full_key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn unreachable(&self, error: reqwest::Error) -> ObjectError {
        ObjectError::Unreachable {
            endpoint: self.endpoint.clone(),
            detail: error.to_string(),
        }
    }

    async fn refused(
        action: &'static str,
        key: String,
        response: reqwest::Response,
    ) -> ObjectError {
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        ObjectError::Refused {
            action,
            key,
            status,
            body: body.chars().take(300).collect(),
        }
    }

    /// Stores `bytes` under `key` (replacing what was there).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), ObjectError> {
        let key = self.full_key(key);
        let url = self
            .bucket
            .put_object(Some(&self.credentials), &key)
            .sign(SIGNED_FOR);
        let length = bytes.len();
        let response = self
            .client
            .put(url)
            .header(reqwest::header::CONTENT_LENGTH, length)
            .body(bytes)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        if !response.status().is_success() {
            return Err(Self::refused("put", key, response).await);
        }
        Ok(())
    }

    /// The bytes under `key`; `None` when there is no such object.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        let key = self.full_key(key);
        let url = self
            .bucket
            .get_object(Some(&self.credentials), &key)
            .sign(SIGNED_FOR);
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !response.status().is_success() {
            return Err(Self::refused("get", key, response).await);
        }
        let bytes = response.bytes().await.map_err(|e| self.unreachable(e))?;
        Ok(Some(bytes.to_vec()))
    }

    /// Checks that the bucket exists and these credentials reach it.
    pub async fn check(&self) -> Result<(), ObjectError> {
        let url = self
            .bucket
            .head_bucket(Some(&self.credentials))
            .sign(SIGNED_FOR);
        let response = self
            .client
            .head(url)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        if !response.status().is_success() {
            return Err(Self::refused("check", self.bucket.name().to_owned(), response).await);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(endpoint: &str, bucket: &str) -> ObjectStoreSettings {
        ObjectStoreSettings {
            endpoint: endpoint.into(),
            bucket: bucket.into(),
            region: "us-east-1".into(),
            access_key_id: "id".into(),
            secret_access_key: "secret".into(),
            path_style: true,
            prefix: "originals/".into(),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn settings_that_cannot_address_a_store_are_refused_by_name() {
        for (endpoint, bucket, expected) in [
            ("not a url", "b", "endpoint \"not a url\""),
            ("ftp://example.com", "b", "is not http:// or https://"),
            ("http://127.0.0.1:9000", "", "the bucket is not named"),
        ] {
            let error = ObjectStore::new(&settings(endpoint, bucket))
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{endpoint} {bucket}: {error}");
        }
        assert!(
            ObjectStore::new(&settings("https://s3.ap-northeast-1.amazonaws.com", "cie")).is_ok()
        );
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let text = format!("{:?}", settings("http://127.0.0.1:9000", "b"));
        assert!(!text.contains("secret\""), "{text}");
        assert!(text.contains("***"));
    }

    #[tokio::test]
    async fn a_store_that_does_not_answer_is_named_in_the_error() {
        let store = ObjectStore::new(&settings("http://127.0.0.1:9", "b")).unwrap();
        let error = store.put("k", b"x".to_vec()).await.unwrap_err().to_string();
        assert!(
            error.contains("http://127.0.0.1:9 does not answer"),
            "{error}"
        );
    }
}
