//! The message loop: `initialize`, then each notification and request in
//! the order it came, until `shutdown` and `exit`.

use std::collections::HashMap;
use std::error::Error;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument, LogMessage,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentHighlightRequest, DocumentSymbolRequest, Formatting, GotoDefinition,
    HoverRequest, PrepareRenameRequest, References, Rename, Request as _,
};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions, DocumentSymbolResponse,
    GotoDefinitionResponse, InitializeParams, InitializeResult, Location, LogMessageParams, MessageType, OneOf,
    PublishDiagnosticsParams, RenameOptions, ServerCapabilities, ServerInfo, TextDocumentPositionParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Url,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::document::Document;
use super::text::Encoding;
use super::{actions, completion, diagnostics, hover, navigate};

type Failure = Box<dyn Error + Send + Sync>;

/// Serves one client on `connection`: the handshake, then every message
/// until the client shuts the server down.
pub fn serve(connection: &Connection) -> Result<(), Failure> {
    let (id, params) = connection.initialize_start()?;
    let params: InitializeParams = serde_json::from_value(params)?;
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|general| general.position_encodings.as_deref());
    let encoding = Encoding::negotiate(offered);
    let result = InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(ServerInfo {
            name: "stackc".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    connection.initialize_finish(id, serde_json::to_value(result)?)?;
    let mut server = Server {
        connection,
        encoding,
        documents: HashMap::new(),
    };
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                // A bug answers its request with an error, and the server
                // goes on: requests only read the documents.
                let id = request.id.clone();
                let response = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.answer(request)))
                    .unwrap_or_else(|_| {
                        let message = "stackc failed on this request; please report it with the spec";
                        Response::new_err(id, ErrorCode::InternalError as i32, message.to_string())
                    });
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(notification) => server.notice(notification)?,
            Message::Response(_) => {}
        }
    }
    Ok(())
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            save: Some(TextDocumentSyncSaveOptions::Supported(true)),
            ..TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(true.into()),
        completion_provider: Some(CompletionOptions {
            // Rule names in `# stackc: allow(a, b)`.
            trigger_characters: Some(vec!["(".to_string(), ",".to_string()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::SOURCE_FIX_ALL]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

struct Server<'a> {
    connection: &'a Connection,
    encoding: Encoding,
    documents: HashMap<Url, Document>,
}

impl Server<'_> {
    /// Handles a notification; fails only when the client is gone.
    fn notice(&mut self, notification: Notification) -> Result<(), Failure> {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Some(params) = self.params::<DidOpenTextDocument>(notification)? else {
                    return Ok(());
                };
                let item = params.text_document;
                let document = Document::open(item.uri.clone(), item.version, item.text, self.encoding);
                self.documents.insert(item.uri.clone(), document);
                self.publish(&item.uri)?;
            }
            DidChangeTextDocument::METHOD => {
                let Some(params) = self.params::<DidChangeTextDocument>(notification)? else {
                    return Ok(());
                };
                let uri = params.text_document.uri;
                if let Some(document) = self.documents.get_mut(&uri) {
                    document.change(params.text_document.version, params.content_changes);
                    self.publish(&uri)?;
                }
            }
            DidSaveTextDocument::METHOD => {
                // The files the specs name may have been saved too.
                let uris: Vec<Url> = self.documents.keys().cloned().collect();
                for uri in uris {
                    if let Some(document) = self.documents.get_mut(&uri) {
                        document.refresh();
                    }
                    self.publish(&uri)?;
                }
            }
            DidCloseTextDocument::METHOD => {
                let Some(params) = self.params::<DidCloseTextDocument>(notification)? else {
                    return Ok(());
                };
                let uri = params.text_document.uri;
                self.documents.remove(&uri);
                self.send_diagnostics(PublishDiagnosticsParams::new(uri, Vec::new(), None))?;
            }
            _ => {}
        }
        Ok(())
    }

    /// A notification's parameters; ones that do not read are logged to
    /// the client and the notification is ignored.
    fn params<N: lsp_types::notification::Notification>(
        &self,
        notification: Notification,
    ) -> Result<Option<N::Params>, Failure> {
        match serde_json::from_value(notification.params) {
            Ok(params) => Ok(Some(params)),
            Err(e) => {
                let message = LogMessageParams {
                    typ: MessageType::ERROR,
                    message: format!("stackc: ignored a `{}` it cannot read: {e}", N::METHOD),
                };
                let log = Notification::new(LogMessage::METHOD.to_string(), message);
                self.connection.sender.send(Message::Notification(log))?;
                Ok(None)
            }
        }
    }

    /// Sends a document's diagnostics, all of them: none clears the
    /// client's list. Problems of a broken `stackc.toml` are shown at the
    /// top of the spec, pointing into the file.
    fn publish(&self, uri: &Url) -> Result<(), Failure> {
        let Some(document) = self.documents.get(uri) else {
            return Ok(());
        };
        let mut found: Vec<lsp_types::Diagnostic> = document
            .analysis
            .diagnostics
            .iter()
            .map(|d| diagnostics::of_spec(document, d))
            .collect();
        if let Some((file, problems)) = &document.config_problems {
            found.extend(problems.iter().map(|problem| {
                let in_config = diagnostics::of_file(file, problem, self.encoding);
                diagnostics::at_top_of(document, in_config, file)
            }));
        }
        self.send_diagnostics(PublishDiagnosticsParams::new(
            uri.clone(),
            found,
            Some(document.version),
        ))
    }

    fn send_diagnostics(&self, params: PublishDiagnosticsParams) -> Result<(), Failure> {
        let notification = Notification::new(PublishDiagnostics::METHOD.to_string(), params);
        self.connection.sender.send(Message::Notification(notification))?;
        Ok(())
    }

    fn answer(&self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            HoverRequest::METHOD => {
                self.at::<HoverRequest>(request, |p| &p.text_document_position_params, hover::hover)
            }
            Completion::METHOD => self.at::<Completion>(
                request,
                |p| &p.text_document_position,
                |document, offset| Some(completion::complete(document, offset).into()),
            ),
            GotoDefinition::METHOD => self.at::<GotoDefinition>(
                request,
                |p| &p.text_document_position_params,
                |document, offset| navigate::definition(document, offset).map(GotoDefinitionResponse::Scalar),
            ),
            DocumentHighlightRequest::METHOD => self.at::<DocumentHighlightRequest>(
                request,
                |p| &p.text_document_position_params,
                |document, offset| Some(navigate::highlights(document, offset)),
            ),
            PrepareRenameRequest::METHOD => self.at::<PrepareRenameRequest>(request, |p| p, navigate::prepare_rename),
            References::METHOD => self.handle::<References>(request, |server, params| {
                let place = &params.text_document_position;
                let Some(document) = server.documents.get(&place.text_document.uri) else {
                    return Ok(None::<Vec<Location>>);
                };
                let offset = document.offset(place.position);
                Ok(Some(navigate::references(
                    document,
                    offset,
                    params.context.include_declaration,
                )))
            }),
            Rename::METHOD => self.handle::<Rename>(request, |server, params| {
                let place = &params.text_document_position;
                let Some(document) = server.documents.get(&place.text_document.uri) else {
                    return Ok(None);
                };
                let offset = document.offset(place.position);
                navigate::rename(document, offset, &params.new_name)
                    .map(Some)
                    .map_err(|message| (ErrorCode::RequestFailed, message))
            }),
            DocumentSymbolRequest::METHOD => self.handle::<DocumentSymbolRequest>(request, |server, params| {
                Ok(server
                    .documents
                    .get(&params.text_document.uri)
                    .map(|document| DocumentSymbolResponse::Nested(navigate::outline(document))))
            }),
            Formatting::METHOD => self.handle::<Formatting>(request, |server, params| {
                Ok(server
                    .documents
                    .get(&params.text_document.uri)
                    .and_then(actions::format))
            }),
            CodeActionRequest::METHOD => self.handle::<CodeActionRequest>(request, |server, params| {
                let Some(document) = server.documents.get(&params.text_document.uri) else {
                    return Ok(None);
                };
                let span = document.lines.span(&document.source.text, params.range);
                Ok(Some(actions::actions(document, span, params.context.only.as_deref())))
            }),
            super::transport::UNREADABLE_REQUEST => {
                let reason = request.params.as_str().unwrap_or_default();
                Err((ErrorCode::InvalidRequest, format!("not a request: {reason}")))
            }
            method => Err((ErrorCode::MethodNotFound, format!("stackc does not answer `{method}`"))),
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        }
    }

    /// A request about the place `place` picks out of its parameters,
    /// answered by `answer` with the document and the byte offset there;
    /// `null` for a document that is not open.
    fn at<R>(
        &self,
        request: Request,
        place: impl Fn(&R::Params) -> &TextDocumentPositionParams,
        answer: impl Fn(&Document, usize) -> R::Result,
    ) -> Result<serde_json::Value, (ErrorCode, String)>
    where
        R: lsp_types::request::Request,
        R::Params: DeserializeOwned,
        R::Result: Serialize + Default,
    {
        self.handle::<R>(request, |server, params| {
            let place = place(&params);
            Ok(match server.documents.get(&place.text_document.uri) {
                Some(document) => answer(document, document.offset(place.position)),
                None => R::Result::default(),
            })
        })
    }

    /// Reads a request's parameters, answers it, and writes the result.
    fn handle<R>(
        &self,
        request: Request,
        answer: impl FnOnce(&Self, R::Params) -> Result<R::Result, (ErrorCode, String)>,
    ) -> Result<serde_json::Value, (ErrorCode, String)>
    where
        R: lsp_types::request::Request,
        R::Params: DeserializeOwned,
        R::Result: Serialize,
    {
        let params: R::Params = serde_json::from_value(request.params)
            .map_err(|e| (ErrorCode::InvalidParams, format!("{}: {e}", R::METHOD)))?;
        let result = answer(self, params)?;
        serde_json::to_value(result).map_err(|e| (ErrorCode::InternalError, e.to_string()))
    }
}
