//! The optional `search` export of world `searchable-channel`: called by name on an instance
//! (a `channel` component lacks it and is never asked), and what it returns checked.

#[cfg(doc)]
use crate::bindings::agora::channel0_1_0::types::RenderContext;
use crate::bindings::agora::channel0_1_0::types::{RenderError, SearchItem};
use crate::capability::notify::acceptable_link;
use crate::state::RenderState;
use wasmtime::Store;
use wasmtime::component::Instance;

/// Longest title kept, in characters.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest description kept, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 300;

/// One item a channel offered for a search, checked: text only, a link that stays on the
/// portal or goes over https.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Title (text).
    pub title: String,
    /// Description (text, may be empty).
    pub description: String,
    /// Where it leads.
    pub link: String,
}

/// A component's `search`, with its render context `C`.
type SearchFn<C> = wasmtime::component::TypedFunc<(C, String), (Result<Vec<SearchItem>, RenderError>,)>;

/// Call `search(ctx, query)` on `instance`, with the render context of its contract (0.1's
/// [`RenderContext`] or 0.2's [`crate::bindings::RenderContextV2`]).
pub(crate) async fn call<C>(
    store: &mut Store<RenderState>,
    instance: &Instance,
    ctx: C,
    query: String,
) -> wasmtime::Result<Result<Vec<SearchItem>, RenderError>>
where
    C: wasmtime::component::ComponentType + wasmtime::component::Lower + Send + Sync + 'static,
{
    let func: SearchFn<C> = instance.get_typed_func(&mut *store, "search")?;
    let (answer,) = func.call_async(&mut *store, (ctx, query)).await?;
    Ok(answer)
}

/// Keep the acceptable items, at most `max`: a title, a sound link, text cut to length.
pub(crate) fn checked(items: Vec<SearchItem>, max: usize) -> Vec<Found> {
    items
        .into_iter()
        .filter(|i| !i.title.trim().is_empty() && acceptable_link(&i.link))
        .take(max)
        .map(|i| Found {
            title: i.title.trim().chars().take(MAX_TITLE_CHARS).collect(),
            description: i.description.trim().chars().take(MAX_DESCRIPTION_CHARS).collect(),
            link: i.link,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_without_title_or_with_a_hostile_link_are_dropped_and_text_is_cut() {
        let item = |title: &str, link: &str| SearchItem {
            title: title.into(),
            description: "d".repeat(1000),
            link: link.into(),
        };
        let found = checked(
            vec![
                item("ENT", "https://ent.univ.fr/"),
                item("", "/"),
                item("x", "javascript:alert(1)"),
                item(&"t".repeat(500), "/?tab=home"),
                item("over", "/"),
            ],
            3,
        );
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].title, "ENT");
        assert_eq!(found[1].title.chars().count(), MAX_TITLE_CHARS);
        assert_eq!(found[0].description.chars().count(), MAX_DESCRIPTION_CHARS);
        assert_eq!(found[2].title, "over");
    }
}
