/**
 * The Queen's node tree: ordered directories (LS order is insertion order) and files whose
 * `role` says how the Queen treats them (read-only, append with newline, overwrite, write-only
 * control file, ...). Roles follow from where a file lives ({@link roleForPath}), so seeding and
 * harness writes get the same behaviour as the live node at that path.
 *
 * @module
 */

/** How the Queen treats a file. */
export type FileRole =
  | "readonly"
  | "unreadable"
  | "dynamic"
  | "log"
  | "watch"
  | "queen-ctl"
  | "lifecycle-ctl"
  | "telemetry-ctl"
  | "latest"
  | "segment"
  | "gpu-ctl"
  | "gpu-lease"
  | "gpu-status"
  | "bridge-ctl"
  | "models-active"
  | "host";

/** A file: its role and its text. */
export interface FileNode {
  readonly kind: "file";
  role: FileRole;
  content: string;
}

/** A directory; `listable: false` marks one that LS lists in its parent but cannot open. */
export interface DirNode {
  readonly kind: "dir";
  readonly children: Map<string, TreeNode>;
  listable: boolean;
}

/** A node of the tree. */
export type TreeNode = FileNode | DirNode;

/** JSON form of a node: directories keep their entry order as an array. */
export type TreeNodeSnapshot =
  | { kind: "file"; role: FileRole; content: string }
  | { kind: "dir"; listable?: boolean; entries: [string, TreeNodeSnapshot][] };

const FILE_ROLES: ReadonlySet<string> = new Set<FileRole>([
  "readonly",
  "unreadable",
  "dynamic",
  "log",
  "watch",
  "queen-ctl",
  "lifecycle-ctl",
  "telemetry-ctl",
  "latest",
  "segment",
  "gpu-ctl",
  "gpu-lease",
  "gpu-status",
  "bridge-ctl",
  "models-active",
  "host",
]);

/** The role the live Queen gives a file at `parts` (PROTOCOL.md §7, §9.1). */
export function roleForPath(parts: readonly string[]): FileRole {
  const [top, a, b, c, d] = parts;
  const depth = parts.length;
  if (top === "gpu" && depth === 3) {
    if (a === "models" && b === "active") return "models-active";
    if (a === "bridge") return b === "ctl" ? "bridge-ctl" : "readonly";
    if (b === "ctl") return "gpu-ctl";
    if (b === "lease") return "gpu-lease";
    if (b === "status") return "gpu-status";
    return "readonly";
  }
  if (top === "host") return "host";
  if (top === "log" && a === "queen.log" && depth === 2) return "log";
  if (top === "trace") return "unreadable";
  if (top === "queen") {
    if (a === "ctl" && depth === 2) return "queen-ctl";
    if (a === "lifecycle" && b === "ctl" && depth === 3) return "lifecycle-ctl";
    if (a === "telemetry" && depth === 4 && c === "ctl") return "telemetry-ctl";
    if (a === "telemetry" && depth === 4 && c === "latest") return "latest";
    if (a === "telemetry" && depth === 5 && c === "seg" && d !== undefined) return "segment";
    return "readonly";
  }
  if (top === "proc") {
    if (a === "ingest" && b === "watch" && depth === 3) return "watch";
    if ((a === "lifecycle" || a === "root" || a === "pressure") && depth === 3) return "dynamic";
    return "readonly";
  }
  return "readonly";
}

/** The ordered node tree of one Queen. */
export class NamespaceTree {
  /** The root directory `/`. */
  readonly root: DirNode;

  /** Creates an empty tree, or one restored from `snapshot`. */
  constructor(snapshot?: TreeNodeSnapshot) {
    const root = snapshot === undefined ? newDir() : nodeFromJSON(snapshot);
    if (root.kind !== "dir") throw new TypeError("namespace snapshot root must be a directory");
    this.root = root;
  }

  /** The node at `parts`, or `undefined`. */
  lookup(parts: readonly string[]): TreeNode | undefined {
    let node: TreeNode = this.root;
    for (const part of parts) {
      if (node.kind !== "dir") return undefined;
      const next: TreeNode | undefined = node.children.get(part);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  /** Creates directory `parts` and its parents (existing ones are kept); returns it. */
  mkdir(parts: readonly string[], options: { listable?: boolean } = {}): DirNode {
    let node: DirNode = this.root;
    for (const part of parts) {
      const next = node.children.get(part);
      if (next === undefined) {
        const dir = newDir();
        node.children.set(part, dir);
        node = dir;
      } else if (next.kind === "dir") {
        node = next;
      } else {
        throw new TypeError(`/${parts.join("/")}: '${part}' is a file, not a directory`);
      }
    }
    if (options.listable !== undefined) node.listable = options.listable;
    return node;
  }

  /**
   * Creates or replaces file `parts` with `content` (parents created). A new file gets `role`,
   * or the role of its path; a replaced file keeps its role unless `role` is given.
   */
  put(parts: readonly string[], content: string, role?: FileRole): FileNode {
    if (parts.length === 0) throw new TypeError("cannot replace the root directory");
    const parent = this.mkdir(parts.slice(0, -1));
    const name = parts[parts.length - 1]!;
    const existing = parent.children.get(name);
    if (existing?.kind === "dir") throw new TypeError(`/${parts.join("/")} is a directory`);
    if (existing !== undefined) {
      existing.content = content;
      if (role !== undefined) existing.role = role;
      return existing;
    }
    const file: FileNode = { kind: "file", role: role ?? roleForPath(parts), content };
    parent.children.set(name, file);
    return file;
  }

  /** Removes the node at `parts` if it exists. */
  remove(parts: readonly string[]): void {
    const parent = this.lookup(parts.slice(0, -1));
    if (parent?.kind === "dir") parent.children.delete(parts[parts.length - 1]!);
  }

  /** The plain JSON form of the tree. */
  toJSON(): TreeNodeSnapshot {
    return nodeToJSON(this.root);
  }
}

function newDir(): DirNode {
  return { kind: "dir", children: new Map(), listable: true };
}

function nodeToJSON(node: TreeNode): TreeNodeSnapshot {
  if (node.kind === "file") return { kind: "file", role: node.role, content: node.content };
  const out: TreeNodeSnapshot = {
    kind: "dir",
    entries: [...node.children].map(([name, child]) => [name, nodeToJSON(child)]),
  };
  if (!node.listable) out.listable = false;
  return out;
}

function nodeFromJSON(value: unknown): TreeNode {
  if (typeof value !== "object" || value === null) throw new TypeError("invalid tree node");
  const record = value as Record<string, unknown>;
  if (record.kind === "file") {
    if (typeof record.role !== "string" || !FILE_ROLES.has(record.role)) {
      throw new TypeError(`invalid file role ${JSON.stringify(record.role)}`);
    }
    if (typeof record.content !== "string") throw new TypeError("file content must be text");
    return { kind: "file", role: record.role as FileRole, content: record.content };
  }
  if (record.kind === "dir" && Array.isArray(record.entries)) {
    const dir = newDir();
    dir.listable = record.listable !== false;
    for (const entry of record.entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== "string" || entry[0].length === 0) {
        throw new TypeError("invalid directory entry");
      }
      dir.children.set(entry[0], nodeFromJSON(entry[1]));
    }
    return dir;
  }
  throw new TypeError("invalid tree node");
}
