/// The approval page's style sheet (pinned by hash in the page's Content-Security-Policy).
enum ApprovalPageStyle {
    static let css = """
        :root { color-scheme: light dark; --line: #8885; --accent: #1f6feb; --ok: #1a7f37; --no: #cf222e; }
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem 3rem; }
        header { border-bottom: 1px solid var(--line); margin-bottom: 1rem; padding-bottom: .75rem; }
        h1 { font-size: 1.4rem; margin: .2rem 0; }
        #status { margin: .3rem 0 .6rem; opacity: .85; }
        #approver { font: inherit; margin-left: .4rem; padding: .2rem .4rem; width: 16rem; }
        #pending { list-style: none; margin: 0; padding: 0; }
        .call { border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 6px;
          margin: 0 0 1rem; padding: .6rem 1rem .8rem; }
        .call h2 { align-items: baseline; display: flex; flex-wrap: wrap; font-size: 1.1rem; gap: .75rem; margin: .2rem 0 .5rem; }
        .tool { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
        .class { border: 1px solid var(--line); border-radius: 4px; font-size: .8rem; padding: 0 .4rem; }
        .server-label { background: var(--line); border-radius: 4px; font-size: .8rem; padding: 0 .4rem; }
        .time-left { font-size: .9rem; font-weight: normal; margin-left: auto; }
        .facts { display: grid; gap: .25rem .8rem; grid-template-columns: max-content 1fr; margin: 0 0 .6rem; }
        .facts dt { font-weight: 600; }
        .facts dd { margin: 0; overflow-wrap: anywhere; }
        .arg { margin-bottom: .3rem; }
        .arg-name { font-family: ui-monospace, monospace; font-weight: 600; overflow-wrap: anywhere; }
        .arg-value { background: #8881; border-radius: 4px; margin: .1rem 0 0; max-height: 20rem; overflow: auto;
          padding: .3rem .5rem; white-space: pre-wrap; word-break: break-all; }
        .answer label { display: block; margin: .3rem 0; }
        .comment { box-sizing: border-box; display: block; font: inherit; margin-top: .2rem; width: 100%; }
        .buttons { display: flex; gap: .6rem; margin-top: .5rem; }
        .buttons button { border: 0; border-radius: 6px; color: #fff; cursor: pointer; font: inherit; font-weight: 600;
          padding: .45rem 1.4rem; }
        .buttons button:disabled { cursor: default; opacity: .5; }
        .approve { background: var(--ok); }
        .deny { background: var(--no); }
        .note { margin: .4rem 0 0; min-height: 1.2em; }
        #history { font-size: .9rem; opacity: .8; }
        """
}
