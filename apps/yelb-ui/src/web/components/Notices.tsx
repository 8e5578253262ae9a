import type { Notice } from '../useYelb.js';

export interface NoticesProps {
  notices: readonly Notice[];
  onRetry: (notice: Notice) => void;
  onDismiss: (id: number) => void;
}

export function Notices({ notices, onRetry, onDismiss }: NoticesProps) {
  if (notices.length === 0) return null;
  return (
    <div className="notices">
      {notices.map((notice) => (
        <div key={notice.id} className="notice" role="alert">
          <svg className="notice-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <circle cx="12" cy="12" r="10" fill="currentColor" />
            <path d="M12 6.5v7" stroke="#fff" strokeWidth="2.4" strokeLinecap="round" />
            <circle cx="12" cy="17.3" r="1.4" fill="#fff" />
          </svg>
          <div className="notice-text">
            <p className="notice-title">{notice.title}</p>
            <p className="notice-detail">{notice.detail}</p>
          </div>
          <div className="notice-actions">
            {notice.retry && (
              <button type="button" className="notice-retry" onClick={() => onRetry(notice)}>
                {notice.retry.label}
              </button>
            )}
            <button type="button" className="notice-dismiss" onClick={() => onDismiss(notice.id)} aria-label="Dismiss this message">
              <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" strokeWidth="2.4" strokeLinecap="round" />
              </svg>
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
