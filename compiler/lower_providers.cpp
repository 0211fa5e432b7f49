// Providers: named USDT probes with typed, named arguments.
//
//   provider php { paths = "/usr/bin/php*", "/usr/lib/apache2/modules/libphp*.so";
//                  probe function__entry(funcname: str, filename: str, lineno: int, ...); }
//
// A probe attached to `php:function__entry` or `usdt:php:function__entry`
// (probe names may use * and ? wildcards) is rewritten to one
// `usdt:PATH:php:function__entry` attach point per binary that the path
// globs match at compile time (symlinks resolved, duplicates dropped), and
// `args.NAME` in its predicate and body to the argument it names:
//   str        → str(argN)          str + K → str(argN + K)   (e.g. zend_string)
//   int        → (int64)argN        u8..u64, int8..int64 → (that type)argN
//   ptr, uint  → argN
// Invariant: when several probes match one attach point set, a name used as
// `args.NAME` must have the same position and type in each, since the body
// is compiled once per attach point from the same rewritten tree.
#include <fnmatch.h>
#include <glob.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <map>
#include <optional>

#include "compiler/lower.h"

namespace sonde::compiler {

using namespace ast;

namespace {

std::vector<std::string> expand_paths(const ProviderDecl& decl) {
  std::vector<std::string> out;
  for (const std::string& pattern : decl.paths) {
    glob_t g{};
    if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        char real[PATH_MAX];
        if (!realpath(g.gl_pathv[i], real)) continue;
        if (std::find(out.begin(), out.end(), real) == out.end()) out.push_back(real);
      }
    }
    globfree(&g);
  }
  return out;
}

// The provider and probe-name pattern an attach point names, if it names a
// declared provider: `php:NAME` or `usdt:php:NAME`.
const ProviderDecl* provider_of(const Program& program, const AttachPoint& ap, std::string& pattern) {
  for (const ProviderDecl& decl : program.providers) {
    if (ap.provider == decl.name && ap.parts.size() == 1) {
      pattern = ap.parts[0];
      return &decl;
    }
    if (ap.provider == "usdt" && ap.parts.size() == 2 && ap.parts[0] == decl.name) {
      pattern = ap.parts[1];
      return &decl;
    }
  }
  return nullptr;
}

struct ArgUse {
  int index = -1;
  const ProviderArg* arg = nullptr;
};

bool same_arg(const ArgUse& a, const ArgUse& b) {
  return a.index == b.index && a.arg->type == b.arg->type && a.arg->str_offset == b.arg->str_offset;
}

// The address a str argument's characters start at.
Expr* str_address(Context& ctx, const ArgUse& use, SourceRange r) {
  Expr* raw = ctx.make<Builtin>("arg" + std::to_string(use.index), r);
  const ProviderArg& a = *use.arg;
  return a.str_offset ? ctx.make<Binary>(BinaryOp::Add, raw, ctx.make<IntLiteral>(a.str_offset, r), r) : raw;
}

Expr* arg_expr(Context& ctx, const ArgUse& use, SourceRange r) {
  Expr* raw = ctx.make<Builtin>("arg" + std::to_string(use.index), r);
  const ProviderArg& a = *use.arg;
  if (a.type == "str") return ctx.make<Call>("str", std::vector<Expr*>{str_address(ctx, use, r)}, r);
  if (a.type == "int") return ctx.make<Cast>("int64", raw, r);
  if (a.type == "ptr" || a.type == "uint") return raw;
  return ctx.make<Cast>(a.type, raw, r);
}

bool valid_type(const std::string& t) {
  static const char* const kTypes[] = {"str", "int", "uint", "ptr", "u8", "u16", "u32", "u64",
                                       "s8", "s16", "s32", "s64", "int8", "int16", "int32",
                                       "int64", "uint8", "uint16", "uint32", "uint64"};
  return std::find(std::begin(kTypes), std::end(kTypes), t) != std::end(kTypes);
}

bool check_decls(const Program& program, Diagnostics& diags) {
  bool ok = true;
  for (const ProviderDecl& decl : program.providers) {
    if (decl.paths.empty()) {
      diags.error("E-decl-provider", decl.range, "provider `" + decl.name + "` has no `paths = \"...\"`");
      ok = false;
    }
    for (const ProviderProbe& probe : decl.probes)
      for (const ProviderArg& a : probe.args)
        if (!valid_type(a.type) || (a.str_offset && a.type != "str")) {
          diags.error("E-decl-provider", a.range, "unknown argument type `" + a.type + "`",
                      {"types: str, str + OFFSET, int, uint, ptr, u8..u64, s8..s64"});
          ok = false;
        }
  }
  return ok;
}

// Rewrites args.NAME in the probe, given the provider probes it attaches to.
void rewrite_args(Context& ctx, Probe& p, const std::vector<const ProviderProbe*>& matched,
                  Diagnostics& diags) {
  std::map<std::string, ArgUse> uses;
  Substitute sub = [&](const Expr& e) -> Expr* {
    std::string name;
    // __strptr(args.NAME), made by the span lowering: the str's address.
    auto* call = e.kind == ExprKind::Call ? static_cast<const Call*>(&e) : nullptr;
    bool address = call && call->name == "__strptr" && call->args.size() == 1;
    if (!is_args_field(address ? *call->args[0] : e, &name)) return nullptr;
    std::optional<ArgUse> found;
    for (const ProviderProbe* probe : matched) {
      auto it = std::find_if(probe->args.begin(), probe->args.end(),
                             [&](const ProviderArg& a) { return a.name == name; });
      ArgUse use;
      if (it != probe->args.end()) use = {static_cast<int>(it - probe->args.begin()), &*it};
      if (!use.arg || (found && !same_arg(*found, use))) {
        diags.error("E-decl-provider", e.range,
                    use.arg ? "`args." + name + "` differs between the probes matched here"
                            : "probe `" + probe->name + "` has no argument `" + name + "`");
        return ctx.make<IntLiteral>(0, e.range);
      }
      found = use;
    }
    if (found && address) return str_address(ctx, *found, e.range);
    return found ? arg_expr(ctx, *found, e.range) : nullptr;
  };
  p.predicate = clone_expr(ctx, p.predicate, sub);
  p.body = clone_block(ctx, p.body, sub);
}

void lower_probe(Context& ctx, Probe& p, const std::map<std::string, std::vector<std::string>>& paths,
                 Diagnostics& diags) {
  std::vector<AttachPoint> out;
  std::vector<const ProviderProbe*> matched;
  bool any = false;
  for (const AttachPoint& ap : p.attach_points) {
    std::string pattern;
    const ProviderDecl* decl = provider_of(ctx.program, ap, pattern);
    if (!decl) {
      out.push_back(ap);
      continue;
    }
    any = true;
    size_t before = matched.size();
    for (const ProviderProbe& probe : decl->probes) {
      if (fnmatch(pattern.c_str(), probe.name.c_str(), 0) != 0) continue;
      matched.push_back(&probe);
      for (const std::string& path : paths.at(decl->name)) {
        AttachPoint usdt = ap;
        usdt.provider = "usdt";
        usdt.parts = {path, decl->name, probe.name};
        usdt.text = "usdt:" + path + ":" + decl->name + ":" + probe.name;
        out.push_back(usdt);
      }
    }
    if (matched.size() == before)
      diags.error("E-decl-provider", ap.range, "provider `" + decl->name + "` has no probe `" + pattern + "`");
    else if (paths.at(decl->name).empty())
      diags.error("E-decl-provider", ap.range, "no binary of provider `" + decl->name + "` is installed",
                  {"looked for: " + [&] {
                     std::string list;
                     for (const auto& g : decl->paths) list += (list.empty() ? "" : ", ") + g;
                     return list;
                   }()});
  }
  if (!any) return;
  p.attach_points = std::move(out);
  rewrite_args(ctx, p, matched, diags);
}

}  // namespace

bool is_provider_str_arg(const Program& program, const AttachPoint& ap, const std::string& name) {
  std::string pattern;
  const ProviderDecl* decl = provider_of(program, ap, pattern);
  if (!decl) return false;
  bool any = false;
  for (const ProviderProbe& probe : decl->probes) {
    if (fnmatch(pattern.c_str(), probe.name.c_str(), 0) != 0) continue;
    auto it = std::find_if(probe.args.begin(), probe.args.end(), [&](const ProviderArg& a) { return a.name == name; });
    if (it == probe.args.end() || it->type != "str") return false;
    any = true;
  }
  return any;
}

bool lower_providers(Context& ctx, Diagnostics& diags) {
  int errors = diags.error_count();
  if (!check_decls(ctx.program, diags)) return false;
  std::map<std::string, std::vector<std::string>> paths;
  for (const ProviderDecl& decl : ctx.program.providers) paths[decl.name] = expand_paths(decl);
  for (Probe* p : ctx.program.probes) lower_probe(ctx, *p, paths, diags);
  return diags.error_count() == errors;
}

}  // namespace sonde::compiler
