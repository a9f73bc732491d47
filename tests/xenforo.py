"""Saved XenForo 2 thread pages, written by hand in the forum's public markup, for import tests.

`post()` is one `article.message--post` as XenForo 2 renders it (user cell, attribution,
threadmark label, `.message-body .bbWrapper`, last-edit line, signature); `page()` wraps posts
in the thread page's furniture (title, starter, navigation), as a browser saves it.
"""

from __future__ import annotations

from html import escape

_count = iter(range(1, 10**9))


def post(author: str, body: str, post_id: int, threadmark: str | None = None,
         edited: str | None = None, signature: str | None = "Thanks for reading!") -> str:
    """One post; `body` is the bbWrapper's inner HTML, as BBCode renders it."""
    number = next(_count)
    mark = ""
    if threadmark is not None:
        mark = f"""
      <div class="message-cell message-cell--threadmark-header">
        <div class="threadmarkHeader">
          <span class="threadmarkLabel-prefix">Threadmarks</span>
          <span class="threadmarkLabel">{escape(threadmark)}</span>
          <div class="threadmark-nav"><a href="#" class="button">Next</a></div>
        </div>
      </div>"""
    last_edit = (f"""
          <div class="message-lastEdit">Last edited: <time class="u-dt" dir="auto"
            datetime="{edited}">{edited}</time></div>""" if edited else "")
    sig = (f"""
          <aside class="message-signature"><div class="bbWrapper">{signature}</div></aside>"""
           if signature else "")
    classes = "message message--post js-post js-inlineModContainer" + (
        " hasThreadmark" if threadmark is not None else "")
    return f"""
<article class="{classes}" data-author="{escape(author)}" data-content="post-{post_id}"
    id="js-post-{post_id}" itemscope="" itemtype="https://schema.org/Comment">
  <span class="u-anchorTarget" id="post-{post_id}"></span>
  <div class="message-inner">
    <div class="message-cell message-cell--user">
      <section class="message-user" aria-label="{escape(author)}">
        <div class="message-avatar"><div class="message-avatar-wrapper">
          <a href="/members/{post_id}/" class="avatar avatar--m" data-user-id="{post_id}">
            <img src="https://forum.example/data/avatars/m/0/{post_id}.jpg" alt="{escape(author)}"
              class="avatar-u{post_id}-m" width="96" height="96" loading="lazy"></a>
        </div></div>
        <div class="message-userDetails">
          <h4 class="message-name"><a href="/members/{post_id}/" class="username"
            dir="auto" data-user-id="{post_id}">{escape(author)}</a></h4>
          <h5 class="userTitle message-userTitle" dir="auto">Well-known member</h5>
        </div>
      </section>
    </div>
    <div class="message-cell message-cell--main">{mark}
      <div class="message-main js-quickEditTarget">
        <header class="message-attribution message-attribution--split">
          <ul class="message-attribution-main listInline">
            <li class="u-concealed"><a href="/threads/the-long-winter.1/post-{post_id}"
              rel="nofollow"><time class="u-dt" dir="auto"
              datetime="2021-03-0{number % 9 + 1}T19:00:00+0000"
              data-time="1614798000">Mar {number % 9 + 1}, 2021</time></a></li>
          </ul>
          <ul class="message-attribution-opposite message-attribution-opposite--list">
            <li><a href="/threads/the-long-winter.1/post-{post_id}"
              class="message-attribution-gadget"
              rel="nofollow">#{number}</a></li>
          </ul>
        </header>
        <div class="message-content js-messageContent">
          <div class="message-userContent lbContainer js-lbContainer"
              data-lb-id="post-{post_id}" data-lb-caption-desc="{escape(author)}">
            <article class="message-body js-selectToQuote">
              <div class="bbWrapper">{body}</div>
              <div class="js-selectToQuoteEnd">&nbsp;</div>
            </article>
          </div>{last_edit}{sig}
        </div>
        <footer class="message-footer">
          <div class="message-actionBar actionBar">
            <div class="actionBar-set actionBar-set--external">
              <a href="/posts/{post_id}/react?reaction_id=1" class="reaction actionBar-action"
                data-reaction-id="1"><i aria-hidden="true"></i><span class="reaction-text">
                <bdi>Like</bdi></span></a>
              <a href="/threads/the-long-winter.1/reply?quote={post_id}"
                class="actionBar-action actionBar-action--reply" title="Reply, quoting this message"
                rel="nofollow">Reply</a>
            </div>
          </div>
          <div class="reactionsBar js-reactionsList is-active">
            <a class="reactionsBar-link" href="/posts/{post_id}/reactions">Ann, Bo and 12 others</a>
          </div>
        </footer>
      </div>
    </div>
  </div>
</article>"""


def page(posts: list[str], title: str = "The Long Winter: A Novel of 1953",
         starter: str = "Kestrel", number: int = 1) -> str:
    """A thread page holding `posts`, with the forum's head, navigation and footer."""
    return f"""<!DOCTYPE html>
<html id="XF" lang="en-US" dir="LTR" data-app="public" data-template="thread_view"
    data-container-key="node-12" data-content-key="thread-1" class="has-no-js template-thread_view">
<head>
  <meta charset="utf-8" />
  <title>{escape(title)} | Page {number} | Alternate History Forum</title>
  <link rel="canonical" href="https://forum.example/threads/the-long-winter.1/page-{number}" />
  <link rel="stylesheet" href="css.php?css=public%3Anormalize.css" />
  <script src="js/xf/preamble.min.js"></script>
</head>
<body data-template="thread_view">
<div class="p-pageWrapper" id="top">
  <header class="p-header" id="header"><div class="p-header-inner"><div class="p-header-content">
    <div class="p-header-logo p-header-logo--image"><a href="/"><img src="styles/logo.png"
      alt="Alternate History Forum" width="100" height="36"></a></div>
  </div></div></header>
  <nav class="p-nav"><ul class="p-nav-list"><li><a href="/forums/">Forums</a></li>
    <li><a href="/whats-new/">What's new</a></li></ul></nav>
  <div class="p-body"><div class="p-body-inner">
    <div class="p-body-header">
      <div class="p-title"><h1 class="p-title-value">{escape(title)}</h1></div>
      <div class="p-description"><ul class="listInline listInline--bullet">
        <li><i class="fa--xf far fa-user" aria-hidden="true" title="Thread starter"></i>
          <span class="u-srOnly">Thread starter</span>
          <a href="/members/kestrel.1/" class="username u-concealed" dir="auto"
            data-user-id="1">{escape(starter)}</a></li>
        <li><a href="/threads/the-long-winter.1/" class="u-concealed"><time class="u-dt"
          datetime="2021-03-01T19:00:00+0000">Mar 1, 2021</time></a></li>
      </ul></div>
    </div>
    <div class="p-body-main"><div class="p-body-content"><div class="p-body-pageContent">
      <div class="block block--messages" data-xf-init="" data-type="post">
        <div class="block-outer"><div class="pageNav"><ul class="pageNav-main">
          <li class="pageNav-page pageNav-page--current"><a href="page-{number}">{number}</a></li>
        </ul></div></div>
        <div class="block-container lbContainer">
          <div class="block-body js-replyNewMessageContainer">{"".join(posts)}
          </div>
        </div>
      </div>
      <form action="/threads/the-long-winter.1/add-reply" method="post" class="block js-quickReply">
        <div class="block-container"><div class="message message--quickReply">
          <textarea name="message" placeholder="Write your reply..."></textarea>
          <button type="submit" class="button--primary button">Post reply</button>
        </div></div>
      </form>
    </div></div></div>
  </div></div>
  <footer class="p-footer" id="footer"><div class="p-footer-inner">
    <div class="p-footer-copyright">Community platform by XenForo® © 2010-2021 XenForo Ltd.</div>
  </div></footer>
</div>
</body>
</html>
"""


def quote(author: str, text: str, source_post: int) -> str:
    """A reader's [QUOTE] of another post, as XenForo 2 renders it."""
    return f"""<blockquote data-attributes="member: 7" data-quote="{escape(author)}"
    data-source="post: {source_post}"
    class="bbCodeBlock bbCodeBlock--expandable bbCodeBlock--quote js-expandWatch">
  <div class="bbCodeBlock-title"><a href="/goto/post?id={source_post}"
    class="bbCodeBlock-sourceJump" rel="nofollow">{escape(author)} said:</a></div>
  <div class="bbCodeBlock-content"><div class="bbCodeBlock-expandContent js-expandContent">
    {text}</div>
    <div class="bbCodeBlock-expandLink js-expandLink"><a role="button" tabindex="0">Click to
      expand...</a></div></div>
</blockquote>"""


def plain_quote(text: str) -> str:
    """The author's own [QUOTE] with no source: a block quote in the chapter."""
    return f"""<blockquote
    class="bbCodeBlock bbCodeBlock--expandable bbCodeBlock--quote js-expandWatch">
  <div class="bbCodeBlock-content"><div class="bbCodeBlock-expandContent js-expandContent">
    {text}</div>
    <div class="bbCodeBlock-expandLink js-expandLink"><a role="button" tabindex="0">Click to
      expand...</a></div></div>
</blockquote>"""


def spoiler(title: str, text: str) -> str:
    return f"""<div class="bbCodeSpoiler">
  <button type="button" class="bbCodeSpoiler-button button--longText button"
    data-xf-click="toggle" data-xf-init="tooltip" title="Click to reveal or hide spoiler">
    <span class="button-text"><span>Spoiler: <span
      class="bbCodeSpoiler-button-title">{escape(title)}</span></span></span></button>
  <div class="bbCodeSpoiler-content"><div class="bbCodeBlock bbCodeBlock--spoiler">
    <div class="bbCodeBlock-content">{text}</div></div></div>
</div>"""
