/**
 * The console's one script (served at /console/assets/console-<hash>.js; the pages work without it). It is
 * written here as a function so the compiler checks it; the browser gets its source text. It keeps the theme the
 * person chose, lets them select an arrow of a journey without reloading (and move between arrows with the up and
 * down keys), and offers a download of the IMSHOP export.
 */
export function consoleScript(): void {
  const THEMES = ['system', 'light', 'dark'] as const;
  type Theme = (typeof THEMES)[number];
  const root = document.documentElement;
  const stored = (): Theme => {
    try {
      const value = localStorage.getItem('order-sync-console-theme');
      return value === 'light' || value === 'dark' ? value : 'system';
    } catch {
      return 'system';
    }
  };
  const apply = (theme: Theme) => {
    if (theme === 'system') delete root.dataset.theme;
    else root.dataset.theme = theme;
    const button = document.getElementById('theme');
    if (button) button.textContent = `Theme: ${theme}`;
  };
  apply(stored());

  /** Shows an event's details beside the picture: fetched from the server (the page holds the picture only). */
  const selectEvent = async (arrow: HTMLAnchorElement, focusPanel: boolean) => {
    const id = arrow.dataset.event!;
    const panel = document.getElementById('selected-event');
    if (!panel) return;
    for (const current of document.querySelectorAll('.arrow[aria-current="true"]')) current.removeAttribute('aria-current');
    arrow.setAttribute('aria-current', 'true');
    panel.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(`${location.pathname}/events/${encodeURIComponent(id)}`, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const fragment = document.createElement('template');
      fragment.innerHTML = await response.text();
      panel.replaceChildren(fragment.content);
    } catch (error) {
      const problem = document.createElement('p');
      problem.className = 'banner bad';
      problem.textContent = `The details could not be loaded (${(error as Error).message}); open the link to load the page with them.`;
      panel.replaceChildren(problem);
    } finally {
      panel.removeAttribute('aria-busy');
    }
    history.replaceState(null, '', `?event=${encodeURIComponent(id)}`);
    if (focusPanel) {
      const heading = panel.querySelector('h3');
      if (heading) {
        heading.setAttribute('tabindex', '-1');
        heading.focus({ preventScroll: window.matchMedia('(min-width: 1100px)').matches });
      }
    }
  };

  document.addEventListener('DOMContentLoaded', () => {
    apply(stored());
    document.getElementById('theme')?.addEventListener('click', () => {
      const next = THEMES[(THEMES.indexOf(stored()) + 1) % THEMES.length];
      try {
        localStorage.setItem('order-sync-console-theme', next);
      } catch {
        // private mode: the choice lasts for this page only
      }
      apply(next);
    });

    const arrows = Array.from(document.querySelectorAll<HTMLAnchorElement>('.arrow[data-event]'));
    for (const arrow of arrows) {
      arrow.addEventListener('click', (event) => {
        event.preventDefault();
        void selectEvent(arrow, true);
      });
      arrow.addEventListener('keydown', (event) => {
        if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
        event.preventDefault();
        const next = arrows[arrows.indexOf(arrow) + (event.key === 'ArrowDown' ? 1 : -1)];
        if (next) {
          next.focus();
          if (next.dataset.event !== arrow.dataset.event) void selectEvent(next, false);
        }
      });
    }

    for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-download]')) {
      button.hidden = false;
      button.addEventListener('click', () => {
        const source = document.getElementById(button.dataset.download!);
        const blob = new Blob([source?.textContent ?? ''], { type: 'application/json' });
        const link = document.createElement('a');
        link.href = URL.createObjectURL(blob);
        link.download = button.dataset.filename ?? 'export.json';
        link.click();
        setTimeout(() => URL.revokeObjectURL(link.href), 1000);
      });
    }
  });
}
