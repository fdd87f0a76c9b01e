;;; test.el --- Drive eglot + lexis-mode against lexis-ls, in batch  -*- lexical-binding: t; -*-

;; emacs --batch -Q -l tests/editors/emacs/test.el
;; Environment: LEXIS_EMACS_DIR (editors/emacs), LEXIS_TEST_WORK (a folder with copies of the
;; fixtures), LEXIS_TEST_RESULT (JSON written here), LEXIS_SERVER_PYTHON (runs `-m lexis_ls').
;; What the editor showed is written to the result file; tests/editors/test_emacs.py checks it.
;; `eglot-ensure' never fires under --batch: the server is started with `eglot' directly, with
;; the contact eglot guesses from `eglot-server-programs' (lexis-mode's registration).

(require 'cl-lib)
(require 'json)
(require 'subr-x)
(require 'url-util)

(defvar lexis-test-timeout 20.0)
(defvar lexis-test-results nil "Alist written as the result JSON.")

(defun lexis-test-env (name)
  (let ((value (getenv name)))
    (if (or (null value) (string-empty-p value))
        (error "%s is not set" name)
      value)))

(defun lexis-test-put (key value)
  (setq lexis-test-results (cons (cons key value) (assq-delete-all key lexis-test-results)))
  (with-temp-file (lexis-test-env "LEXIS_TEST_RESULT")
    (insert (json-encode lexis-test-results))))

(defun lexis-test-wait (what predicate)
  "Process server output until PREDICATE returns non-nil; fail after a while."
  (let ((deadline (+ (float-time) lexis-test-timeout)))
    (while (not (funcall predicate))
      (when (> (float-time) deadline)
        (error "Timed out after %ss waiting for %s" lexis-test-timeout what))
      (accept-process-output nil 0.05))))

(defun lexis-test-position (pos)
  "POS as a 0-based (line character) pair, as LSP and `lexis check' count."
  (save-excursion
    (goto-char pos)
    (vector (1- (line-number-at-pos)) (- pos (line-beginning-position)))))

(defun lexis-test-flymake-diagnostics ()
  "What flymake shows for the current buffer: text, type, region."
  (let ((diags (sort (flymake-diagnostics)
                     (lambda (a b) (< (flymake-diagnostic-beg a) (flymake-diagnostic-beg b))))))
    (vconcat
     (mapcar (lambda (d)
               `((text . ,(flymake-diagnostic-text d))
                 (type . ,(symbol-name (flymake-diagnostic-type d)))
                 (start . ,(lexis-test-position (flymake-diagnostic-beg d)))
                 (end . ,(lexis-test-position (flymake-diagnostic-end d)))))
             diags))))

(defun lexis-test-wait-for-diagnostics (what predicate)
  "Wait until flymake's diagnostics satisfy PREDICATE.
Eglot sends changes from an idle timer and flymake runs its backends from idle
timers and `post-command-hook', none of which batch mode reaches: do what they
would do."
  (lexis-test-wait what (lambda ()
                          (eglot--signal-textDocument/didChange)
                          (flymake-start)
                          (accept-process-output nil 0.05)
                          (funcall predicate (flymake-diagnostics)))))

(defun lexis-test-visit (file)
  (find-file (expand-file-name file (lexis-test-env "LEXIS_TEST_WORK")))
  (unless (eq major-mode 'lexis-mode)
    (error "%s opened in %s, not lexis-mode" file major-mode)))

(defun lexis-test-main ()
  (add-to-list 'load-path (lexis-test-env "LEXIS_EMACS_DIR"))
  ;; -Q skips site-start, which tells package.el about the system's ELPA packages (Debian's
  ;; elpa-eglot and the newer project/xref it needs): activate them by hand.
  (dolist (dir '("/usr/share/emacs/site-lisp/elpa" "/usr/share/emacs/site-lisp/elpa-src"))
    (when (file-directory-p dir)
      (add-to-list 'package-directory-list dir t)))
  (package-initialize)
  (require 'eglot)
  (lexis-test-put 'eglot_file (locate-library "eglot"))
  (require 'lexis-mode)
  (setq lexis-server-command (list (lexis-test-env "LEXIS_SERVER_PYTHON") "-m" "lexis_ls"))
  (setq eglot-sync-connect lexis-test-timeout
        eglot-connect-timeout lexis-test-timeout)
  (lexis-test-put 'emacs_version emacs-version)

  ;; 1. Diagnostics of a file with a misspelled reference.
  (lexis-test-visit "quickfix.lexis.json")
  (lexis-test-put 'major_mode (symbol-name major-mode))
  (lexis-test-put 'parent_mode (symbol-name (get 'lexis-mode 'derived-mode-parent)))
  (let ((contact (eglot--guess-contact)))
    (lexis-test-put 'guessed_contact (vconcat (nth 3 contact)))
    (lexis-test-put 'language_id (nth 4 contact))
    (apply #'eglot contact))
  (lexis-test-wait "eglot to manage the buffer" #'eglot-managed-p)
  (lexis-test-put 'server_name
                  (plist-get (eglot--server-info (eglot-current-server)) :name))
  (lexis-test-wait-for-diagnostics "diagnostics" (lambda (diags) (>= (length diags) 1)))
  (lexis-test-put 'diagnostics (lexis-test-flymake-diagnostics))

  ;; 2. A quick fix through eglot's code action menu: the user picks the suggestion.
  (let* ((diag (cl-find-if (lambda (d) (string-match-p "\\[LX1003\\]" (flymake-diagnostic-text d)))
                           (flymake-diagnostics)))
         (beg (flymake-diagnostic-beg diag))
         (end (flymake-diagnostic-end diag))
         (offered (eglot-code-actions beg end "quickfix"))
         (menu nil))
    (lexis-test-put 'quickfix_titles
                    (vconcat (mapcar (lambda (a) (plist-get a :title)) offered)))
    (goto-char beg)
    (let ((last-nonmenu-event ?\r))     ; a keyboard user: the menu is a completing-read
      (cl-letf (((symbol-function 'completing-read)
                 (lambda (prompt collection &rest _)
                   (setq menu (list prompt (mapcar #'car collection)))
                   "Replace with `total`")))
        (eglot-code-actions beg end "quickfix" t)))
    (lexis-test-put 'quickfix_prompt (car menu))
    (lexis-test-put 'quickfix_menu (vconcat (cadr menu))))
  (lexis-test-put 'after_quickfix (buffer-substring-no-properties (point-min) (point-max)))
  (lexis-test-wait-for-diagnostics "the diagnostics to clear" #'null)
  (lexis-test-put 'diagnostics_after_quickfix (lexis-test-flymake-diagnostics))

  ;; 3. eglot-format-buffer gives the canonical layout.
  (eglot-format-buffer)
  (lexis-test-put 'after_format (buffer-substring-no-properties (point-min) (point-max)))
  (set-buffer-modified-p nil)

  ;; 4. Fix-all and formatting on save, as lexis-mode's before-save hook does them.
  (setq-default lexis-fix-all-on-save t
                lexis-format-on-save t)
  (lexis-test-visit "fixall.lexis.json")
  (lexis-test-wait "eglot to manage the second buffer" #'eglot-managed-p)
  (lexis-test-wait-for-diagnostics "diagnostics of the second file"
                                   (lambda (diags) (>= (length diags) 2)))
  (lexis-test-put 'fixall_diagnostics (lexis-test-flymake-diagnostics))
  (let ((offered (eglot-code-actions (point-min) (point-max) lexis-fix-all-kind)))
    (lexis-test-put 'fixall_titles (vconcat (mapcar (lambda (a) (plist-get a :title)) offered))))
  ;; The user edits (a stray space at the end of the first line), then saves.
  (goto-char (point-min))
  (end-of-line)
  (insert " ")
  (save-buffer)
  (lexis-test-put 'buffer_after_save (buffer-substring-no-properties (point-min) (point-max)))
  (let ((file (buffer-file-name)))
    (lexis-test-put 'saved_text (with-temp-buffer
                                  (insert-file-contents file)
                                  (buffer-string))))
  (lexis-test-wait-for-diagnostics "the diagnostics to clear after saving" #'null)
  (lexis-test-put 'fixall_diagnostics_after_save (lexis-test-flymake-diagnostics))

  ;; 5. M-x lexis-run with parameters shows the output in *lexis run*.
  (setq-default lexis-fix-all-on-save nil
                lexis-format-on-save nil)
  (lexis-test-visit "params.lexis.json")
  (lexis-test-wait "eglot to manage the params buffer" #'eglot-managed-p)
  (lexis-run '(("name" . "Ada") ("count" . "3")))
  (lexis-test-wait "the *lexis run* buffer"
                   (lambda () (and (get-buffer "*lexis run*")
                                   (> (buffer-size (get-buffer "*lexis run*")) 0))))
  (lexis-test-put 'run_output (with-current-buffer "*lexis run*" (buffer-string)))
  (lexis-test-put 'run_buffer_mode
                  (symbol-name (buffer-local-value 'major-mode (get-buffer "*lexis run*"))))

  ;; 6. M-x lexis-graph writes the `lexis viz' page and opens it with `browse-url-of-file':
  ;; the browser is a function recording each URL and a copy of the page as it was then.
  ;; Once on the saved buffer, once with an unsaved edit (`show' renamed `shown').
  ;; Batch mode reads no input events, so once a watched file changes (eglot watches the
  ;; workspace for the server; the saves above changed it) the inotify descriptor stays
  ;; readable, and Emacs runs process sentinels only when no input descriptor is readable: no
  ;; sentinel would run from here on.  The interactive command loop reads those events; here
  ;; the watches are removed, which closes the descriptor.
  (require 'filenotify)
  (let (descriptors)
    (maphash (lambda (descriptor _) (push descriptor descriptors)) file-notify-descriptors)
    (mapc #'file-notify-rm-watch descriptors))
  (let ((opened nil))
    (setq browse-url-browser-function
          (lambda (url &rest _)
            (let ((file (url-unhex-string (string-remove-prefix "file://" url))))
              (push (list url (with-temp-buffer
                                (insert-file-contents file)
                                (buffer-string)))
                    opened))))
    (lexis-test-visit "graph.lexis.json")
    (call-interactively #'lexis-graph)
    (lexis-test-wait "the graph page to be opened" (lambda () (= (length opened) 1)))
    (goto-char (point-min))
    (search-forward "\"id\": \"show\"")
    (replace-match "\"id\": \"shown\"")
    (lexis-test-put 'graph_modified_before (buffer-modified-p))
    (call-interactively #'lexis-graph)
    (lexis-test-wait "the graph page of the edited buffer" (lambda () (= (length opened) 2)))
    (lexis-test-put 'graph_modified_after (buffer-modified-p))
    (lexis-test-put 'graph_urls (vconcat (mapcar #'car (reverse opened))))
    (lexis-test-put 'graph_pages (vconcat (mapcar #'cadr (reverse opened))))
    (set-buffer-modified-p nil))

  (ignore-errors (eglot-shutdown (eglot-current-server) nil 5)))

(condition-case err
    (progn
      (lexis-test-main)
      (lexis-test-put 'ok t)
      (kill-emacs 0))
  (error
   (ignore-errors (lexis-test-put 'error (error-message-string err)))
   (message "lexis emacs test failed: %s" (error-message-string err))
   (kill-emacs 1)))

;;; test.el ends here
