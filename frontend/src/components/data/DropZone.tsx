import { useRef, useState, type DragEvent, type KeyboardEvent } from "react";

/** Drop files here or pick them; several at once. */
export function DropZone({ onFiles }: { onFiles: (files: File[]) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    const files = Array.from(e.dataTransfer.files);
    if (files.length) onFiles(files);
  };
  const open = () => input.current?.click();
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      open();
    }
  };

  return (
    <div
      className={`dropzone ${over ? "over" : ""}`}
      role="button"
      tabIndex={0}
      aria-label="Drop export files here or press Enter to choose files"
      data-testid="dropzone"
      onClick={open}
      onKeyDown={onKey}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <strong>Drop export files here</strong>
      <span>
        or click to choose · <span className="mono">.sqlite</span> / <span className="mono">.db</span> exports,{" "}
        <span className="mono">.json.gz</span> batches · several at once
      </span>
      <input
        ref={input}
        type="file"
        multiple
        accept=".sqlite,.sqlite3,.db,.gz,.json.gz"
        hidden
        data-testid="file-input"
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          e.currentTarget.value = "";
          if (files.length) onFiles(files);
        }}
      />
    </div>
  );
}
