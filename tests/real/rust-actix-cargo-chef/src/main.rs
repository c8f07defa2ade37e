//! The newsletter API: settings from `configuration/{base,ENV}.yaml`,
//! overridden by `APP_SECTION__KEY` variables; PostgreSQL for the
//! subscribers, Redis for the sessions; `/health_check` for the probe.
use actix_web::{web, App, HttpResponse, HttpServer};
use secrecy::{ExposeSecret, Secret};

#[derive(serde::Deserialize)]
struct Settings {
    application: Application,
    database: Database,
    redis_uri: Secret<String>,
}

#[derive(serde::Deserialize)]
struct Application {
    host: String,
    port: u16,
}

#[derive(serde::Deserialize)]
struct Database {
    host: String,
    port: u16,
    username: String,
    password: Secret<String>,
    database_name: String,
}

fn settings() -> Result<Settings, config::ConfigError> {
    let environment = std::env::var("APP_ENVIRONMENT").unwrap_or_else(|_| "local".into());
    config::Config::builder()
        .add_source(config::File::with_name("configuration/base.yaml"))
        .add_source(config::File::with_name(&format!("configuration/{environment}.yaml")))
        .add_source(config::Environment::with_prefix("APP").prefix_separator("_").separator("__"))
        .build()?
        .try_deserialize()
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let settings = settings().expect("Failed to read configuration.");
    let db = &settings.database;
    let url = format!(
        "postgres://{}:{}@{}:{}/{}",
        db.username,
        db.password.expose_secret(),
        db.host,
        db.port,
        db.database_name
    );
    let pool = sqlx::postgres::PgPoolOptions::new().connect_lazy(&url).expect("a database URL");
    let _sessions = settings.redis_uri.expose_secret().clone();
    let address = (settings.application.host.clone(), settings.application.port);
    HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(pool.clone()))
            .route("/health_check", web::get().to(HttpResponse::Ok))
    })
    .bind(address)?
    .run()
    .await
}
