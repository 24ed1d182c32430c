"""What the Python that publishes a file reads from the warehouse, found in its SQL strings.

`tables_read("pipelines.contact.outbox:ContactOutbox.write_sms")` walks the function: the SQL string
constants in it and in the module-level constants it names (MESSAGES_SQL), then every function or
method of this repository it calls (self.method, module functions, names imported inside the
function), and returns the `schema.table` names in those strings. Docstrings are skipped. A table
named by a variable (`f"marts.{table}"`) is not found here: its code keeps a list the caller checks.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
import textwrap
import types

TABLE = re.compile(r"\b(marts|intermediate|staging|quality|raw|scoring)\.([a-z_][a-z0-9_]*)\b")
REPO_PACKAGES = ("pipelines", "data_quality", "letters")


def resolve(target: str):
    """'module:Qual.name' -> the function object."""
    module_name, _, qualname = target.partition(":")
    obj = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _ours(obj) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return isinstance(obj, (types.FunctionType, type)) and module.split(".")[0] in REPO_PACKAGES


def _strings(node: ast.AST) -> list[str]:
    docstrings = {id(n.body[0].value) for n in ast.walk(node)
                  if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docstrings]


def tables_read(target: str) -> set[str]:
    """Every schema.table the function's SQL strings (and those of what it calls) name."""
    found: set[str] = set()
    seen: set[int] = set()

    def visit(fn, owner: type | None) -> None:
        fn = inspect.unwrap(fn)
        if id(fn) in seen or not isinstance(fn, types.FunctionType):
            return
        seen.add(id(fn))
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        except (OSError, TypeError):  # generated (dataclass methods): no SQL of ours
            return
        texts = _strings(tree)
        local_imports = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in REPO_PACKAGES:
                module = importlib.import_module(node.module)
                for a in node.names:  # a name, or a submodule (`from pipelines import reporting`)
                    value = getattr(module, a.name, None)
                    if value is None and importlib.util.find_spec(f"{node.module}.{a.name}") is not None:
                        value = importlib.import_module(f"{node.module}.{a.name}")
                    local_imports[a.asname or a.name] = value
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                value = local_imports.get(node.id, fn.__globals__.get(node.id))
                if isinstance(value, str):
                    texts.append(value)
                elif _ours(value) and isinstance(value, types.FunctionType):
                    visit(value, None)
                elif _ours(value) and isinstance(value, type):
                    for member in vars(value).values():
                        if isinstance(member, (types.FunctionType, classmethod, staticmethod)):
                            visit(getattr(member, "__func__", member), value)
            elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and isinstance(module := local_imports.get(node.value.id, fn.__globals__.get(node.value.id)),
                                 types.ModuleType)
                  and module.__name__.split(".")[0] in REPO_PACKAGES):
                value = getattr(module, node.attr, None)  # module.function (imported globally or in the function)
                if isinstance(value, types.FunctionType):
                    visit(value, None)
            elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id in ("self", "cls") and owner is not None):
                member = inspect.getattr_static(owner, node.attr, None)
                member = getattr(member, "__func__", member)
                if isinstance(member, types.FunctionType):
                    visit(member, owner)
                elif isinstance(member, str):
                    texts.append(member)
        for text in texts:
            found.update(f"{s}.{t}" for s, t in TABLE.findall(text))

    obj = resolve(target)
    module_name, _, qualname = target.partition(":")
    owner = resolve(f"{module_name}:{qualname.rsplit('.', 1)[0]}") if "." in qualname else None
    visit(obj, owner if isinstance(owner, type) else None)
    return found
