;;; lexis-mode.el --- Major mode for Lexis programs (*.lexis.json), with eglot  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1"))
;; Keywords: languages, json
;; URL: https://github.com/lexis-lang/lexis-ls

;;; Commentary:

;; Lexis programs are JSON documents (`*.lexis.json') describing a DAG of nodes.  This file
;; gives them a major mode derived from the best JSON mode available (`js-json-mode' on Emacs
;; 29+, else `json-mode' when installed, else `js-mode'), and registers the `lexis-ls'
;; language server with eglot:
;;
;;   (require 'lexis-mode)
;;   (add-hook 'lexis-mode-hook #'eglot-ensure)
;;
;; Commands (once eglot manages the buffer):
;;   `lexis-fix-all'      apply every safe fix (the `source.fixAll.lexis' code action)
;;   `lexis-fix-and-format' the same, then `eglot-format-buffer'
;;   `lexis-run'          run the program (`lexis.run') and show its output
;;   `lexis-graph'        open the program's graph (`lexis viz') in the browser
;; Set `lexis-fix-all-on-save' and `lexis-format-on-save' to do both before each save.

;;; Code:

(require 'js)
(require 'subr-x)
(require 'json-mode nil t)

(declare-function eglot-code-actions "eglot")
(declare-function eglot-current-server "eglot")
(declare-function eglot-format-buffer "eglot")
(declare-function eglot-managed-p "eglot")
(declare-function eglot-execute-command "eglot")
(declare-function eglot-execute "eglot")
(declare-function eglot--apply-workspace-edit "eglot")
(declare-function eglot--path-to-uri "eglot")
(declare-function jsonrpc-request "jsonrpc")
(declare-function jsonrpc-async-request "jsonrpc")
(defvar eglot-server-programs)

(defgroup lexis nil
  "Lexis programs: JSON documents describing a DAG of nodes."
  :group 'languages
  :prefix "lexis-")

(defcustom lexis-server-command '("lexis-ls")
  "Command (program and arguments) that starts the Lexis language server on stdio.
For a server installed in a virtualenv, e.g. (\"/path/to/.venv/bin/lexis-ls\")."
  :type '(repeat string))

(defcustom lexis-cli-command nil
  "Command (program and arguments) of the `lexis' command line, for `lexis-graph'.
nil: the `lexis' program beside the server's `lexis-ls' (as pip and pipx
install them), `python -m lexis_ls.cli' for a `python -m lexis_ls' server,
else `lexis' on PATH."
  :type '(choice (const :tag "Beside the server" nil) (repeat string)))

(defcustom lexis-fix-all-on-save nil
  "When non-nil, apply every safe fix (`source.fixAll.lexis') before saving."
  :type 'boolean)

(defcustom lexis-format-on-save nil
  "When non-nil, format the buffer with the language server before saving."
  :type 'boolean)

(defconst lexis-fix-all-kind "source.fixAll.lexis"
  "The code action kind of the server's fix-all action.")

(eval-and-compile
  (defun lexis--parent-mode ()
    "The JSON major mode `lexis-mode' derives from."
    (cond ((fboundp 'js-json-mode) 'js-json-mode)
          ((fboundp 'json-mode) 'json-mode)
          (t 'js-mode))))

(defmacro lexis--define-mode ()
  "Define `lexis-mode', derived from `lexis--parent-mode'."
  `(define-derived-mode lexis-mode ,(lexis--parent-mode) "Lexis"
     "Major mode for Lexis programs (`*.lexis.json').
Highlighting comes from the JSON mode it derives from; diagnostics, fixes,
formatting, rename and running come from the `lexis-ls' language server
through eglot (see `lexis-server-command').

\\{lexis-mode-map}"
     (setq-local js-indent-level 2)
     (setq-local indent-tabs-mode nil)
     (add-hook 'before-save-hook #'lexis--before-save nil t)))

(lexis--define-mode)

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.lexis\\.json\\'" . lexis-mode))

(defun lexis-eglot-contact (&optional _interactive)
  "The contact eglot uses for `lexis-mode' buffers: `lexis-server-command'."
  lexis-server-command)

;;;###autoload
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs '(lexis-mode . lexis-eglot-contact)))

(defun lexis--server ()
  "The eglot server of this buffer, or an error."
  (or (and (fboundp 'eglot-current-server) (eglot-current-server))
      (user-error "No Lexis language server for this buffer: start one with M-x eglot")))

(defun lexis--apply-action (server action)
  "Apply the code ACTION (a plist from SERVER).
Resolve it when it comes without its edit, apply the edit, run its command.
Uses `eglot-execute' where eglot has it (Emacs 30), else what eglot 1.9 does."
  (if (fboundp 'eglot-execute)
      (eglot-execute server action)
    (when (and (not (plist-get action :edit)) (plist-get action :data))
      (setq action (jsonrpc-request server :codeAction/resolve action)))
    (let ((edit (plist-get action :edit))
          (command (plist-get action :command)))
      (when edit
        (eglot--apply-workspace-edit edit))
      (when command
        (eglot-execute-command server (intern (plist-get command :command))
                               (plist-get command :arguments))))))

(defun lexis-fix-all (&optional quiet)
  "Apply every safe fix of this buffer (the server's `source.fixAll.lexis' action).
With QUIET, say nothing when there is nothing to fix.  Returns the number of
actions applied."
  (interactive)
  (let* ((server (lexis--server))
         (actions (eglot-code-actions (point-min) (point-max) lexis-fix-all-kind)))
    (dolist (action actions)
      (lexis--apply-action server action))
    (unless (or actions quiet)
      (message "lexis: nothing to fix"))
    (length actions)))

(defun lexis-fix-and-format ()
  "Apply every safe fix, then format the buffer."
  (interactive)
  (lexis-fix-all t)
  (eglot-format-buffer))

(defun lexis--before-save ()
  "Fix and format before saving.
As `lexis-fix-all-on-save' and `lexis-format-on-save' say."
  (when (and (or lexis-fix-all-on-save lexis-format-on-save)
             (fboundp 'eglot-managed-p) (eglot-managed-p))
    (when lexis-fix-all-on-save
      (lexis-fix-all t))
    (when lexis-format-on-save
      (eglot-format-buffer))))

(defun lexis--timing (wall-ms interpreter-ms)
  "The last line of a run report: WALL-MS waited, then INTERPRETER-MS."
  (format "\n-- finished in %d ms (the program itself: %.1f ms) --\n"
          (round wall-ms) (or interpreter-ms 0)))

(defun lexis--run-report (result &optional wall-ms)
  "The text shown for a `lexis.run' RESULT (a plist).
WALL-MS is the time from the request to its answer, as the user waited for it;
the result's `durationMs' is the interpreter's own time."
  (let ((errors (append (plist-get result :errors) nil))
        (status (plist-get result :status)))
    (concat
     (plist-get result :stdout)
     (when errors
       (concat (format "\n-- %d error value%s --\n" (length errors)
                       (if (= (length errors) 1) "" "s"))
               (mapconcat (lambda (e) (format "%s: %s" (plist-get e :node) (plist-get e :message)))
                          errors "\n")
               "\n"))
     (if (and status (not (equal status "ok")))
         (format "\n-- %s: %s --\n" status (plist-get result :reason))
       (lexis--timing (or wall-ms 0) (plist-get result :durationMs))))))

(defun lexis-run (&optional params)
  "Run this buffer's program with the server's `lexis.run' and show its output.
PARAMS is an alist of (NAME . VALUE) run parameters; interactively, read
NAME=VALUE words."
  (interactive
   (list (mapcar (lambda (word)
                   (if (string-match "\\`\\([^=]+\\)=\\(.*\\)\\'" word)
                       (cons (match-string 1 word) (match-string 2 word))
                     (user-error "Expected NAME=VALUE, got %s" word)))
                 (split-string (read-string "Parameters (NAME=VALUE ...): ")))))
  (let* ((server (lexis--server))
         (uri (eglot--path-to-uri (buffer-file-name)))
         (args (if params
                   (vector uri (list :params
                                     (let (plist)
                                       (dolist (p (reverse params) plist)
                                         (setq plist (cons (intern (concat ":" (car p)))
                                                           (cons (cdr p) plist)))))))
                 (vector uri)))
         (started (float-time)))
    (jsonrpc-async-request
     server :workspace/executeCommand (list :command "lexis.run" :arguments args)
     :success-fn (lambda (result)
                   (with-current-buffer (get-buffer-create "*lexis run*")
                     (let ((inhibit-read-only t))
                       (erase-buffer)
                       (insert (lexis--run-report
                                result (* 1000 (- (float-time) started))))
                       (goto-char (point-min))
                       (special-mode))
                     (display-buffer (current-buffer))))
     :error-fn (lambda (err)
                 (message "lexis.run failed: %s" (plist-get err :message))))))

;;; The graph page

(defun lexis--cli-command ()
  "The `lexis' command line as a list (see `lexis-cli-command')."
  (or lexis-cli-command
      (let ((server lexis-server-command))
        (cond
         ((equal (cdr server) '("-m" "lexis_ls"))
          (list (car server) "-m" "lexis_ls.cli"))
         ((equal (file-name-nondirectory (car server)) "lexis-ls")
          (let* ((found (executable-find (car server)))
                 (beside (and found (expand-file-name "lexis" (file-name-directory found)))))
            (if (and beside (file-executable-p beside)) (list beside) '("lexis"))))
         (t '("lexis"))))))

(defvar-local lexis--graph-file nil
  "The HTML file `lexis-graph' writes for this buffer.
Reused, so that the browser tab shows the new graph on reload.")

(defvar-local lexis--graph-copy-dir nil
  "The temporary folder of this buffer's text for `lexis-graph' (reused).")

(defun lexis--graph-source ()
  "The file `lexis viz' reads: the visited file, or a copy of the buffer's text.
A copy (same name, in a temporary folder) when the buffer has unsaved changes
or visits no file."
  (let ((file (buffer-file-name)))
    (if (and file (not (buffer-modified-p)) (file-readable-p file))
        file
      (let* ((dir (if (and lexis--graph-copy-dir (file-directory-p lexis--graph-copy-dir))
                      lexis--graph-copy-dir
                    (setq lexis--graph-copy-dir (make-temp-file "lexis-graph-" t))))
             (copy (expand-file-name (if file (file-name-nondirectory file) "buffer.lexis.json")
                                     dir))
             (text (buffer-substring-no-properties (point-min) (point-max))))
        (with-temp-file copy
          (insert text))
        copy))))

(defun lexis-graph (&optional callback)
  "Open the graph of this buffer's program in the browser.
Runs `lexis viz FILE --output OUT.html' (one self-contained page: the layered
DAG, opcode colours, diagnostics on their nodes), then `browse-url-of-file'.
Unsaved changes are shown too.  With CALLBACK, call it with (ERROR HTML-FILE)
instead of opening the page.  Returns the process."
  (interactive)
  (let* ((source (lexis--graph-source))
         (html (or lexis--graph-file
                   (setq lexis--graph-file
                         (concat (make-temp-name
                                  (expand-file-name "lexis-" temporary-file-directory))
                                 "-" (replace-regexp-in-string
                                      "\\.lexis\\.json\\'\\|\\.json\\'" ""
                                      (file-name-nondirectory source))
                                 ".html"))))
         (command (append (lexis--cli-command) (list "viz" source "--output" html)))
         (output (generate-new-buffer " *lexis viz*")))
    (make-process
     :name "lexis-viz"
     :buffer output
     :command command
     :noquery t
     :connection-type 'pipe
     :sentinel
     (lambda (process _event)
       (unless (process-live-p process)
         (let ((err (unless (and (zerop (process-exit-status process)) (file-readable-p html))
                      (format "`%s' failed (exit %d): %s"
                              (mapconcat #'identity command " ")
                              (process-exit-status process)
                              (string-trim (with-current-buffer output (buffer-string)))))))
           (kill-buffer output)
           (cond (callback (funcall callback err html))
                 (err (message "lexis-graph: %s" err))
                 (t (browse-url-of-file html)))))))))

(provide 'lexis-mode)
;;; lexis-mode.el ends here
