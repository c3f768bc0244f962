using System.Globalization;
using Rampart.Core.Algorithms;
using Rampart.Core.Policy;
using Rampart.Core.SecurityAssociations;

namespace Rampart.Cli;

/// <summary>Human-readable text for the show and list commands; keys are always masked.</summary>
internal static class Display
{
    public static string Method(SecurityMethod method) =>
        string.Create(CultureInfo.InvariantCulture, $"{method.Protocol.ToString().ToUpperInvariant()} {Algorithms(method)}, {method.LifetimeSeconds} s / {method.LifetimeKilobytes} KB{Cli.Legacy(method.IsLegacy)}  [{method}]");

    public static string Method(IkeSecurityMethod method) => $"{method}{Cli.Legacy(method.IsLegacy)}";

    public static string Kind(FilterAction action) => action.Kind.ToString().ToLowerInvariant();

    public static void WriteFilterAction(FilterAction action, string indent)
    {
        Console.WriteLine($"{indent}Filter action: {action.Name} ({Kind(action)})");
        if (action.Description.Length > 0)
        {
            Console.WriteLine($"{indent}  {action.Description}");
        }

        if (action.Kind != FilterActionKind.Negotiate)
        {
            return;
        }

        for (var i = 0; i < action.SecurityMethods.Count; i++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{indent}  method {i + 1}: {Method(action.SecurityMethods[i])}"));
        }

        Console.WriteLine($"{indent}  accept unsecured communication, but always respond using IPsec: {YesNo(action.AcceptUnsecured)}");
        Console.WriteLine($"{indent}  allow unsecured communication with non-IPsec-aware computers: {YesNo(action.AllowFallbackToClear)}");
        Console.WriteLine($"{indent}  session key perfect forward secrecy: {YesNo(action.SessionKeyPfs)}");
    }

    public static void WriteFilterList(FilterList list, string indent)
    {
        Console.WriteLine($"{indent}Filter list: {list.Name}");
        if (list.Description.Length > 0)
        {
            Console.WriteLine($"{indent}  {list.Description}");
        }

        if (list.Filters.Count == 0)
        {
            Console.WriteLine($"{indent}  (no filters)");
        }

        for (var i = 0; i < list.Filters.Count; i++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{indent}  filter {i + 1}: {list.Filters[i]}"));
        }
    }

    public static string Rule(Rule rule) =>
        $"{rule.FilterListName} -> {rule.FilterActionName}; authentication: {Authentication(rule)}; "
        + $"tunnel: {(rule.TunnelEndpoint is { } endpoint ? endpoint.ToString() : "none (transport mode)")}; connection type: {PolicyJsonWriter.ConnectionTypeName(rule.ConnectionType)}";

    public static string Authentication(Rule rule) =>
        rule.AuthenticationMethods.Count == 0 ? "none" : string.Join(", ", rule.AuthenticationMethods);

    public static string YesNo(bool value) => value ? "yes" : "no";

    private static string Algorithms(SecurityMethod method) => method.Protocol == SaProtocol.Ah
        ? AlgorithmCatalog.DisplayName(method.Integrity)
        : method.Integrity == IntegrityAlgorithm.None
            ? AlgorithmCatalog.DisplayName(method.Cipher ?? CipherAlgorithm.Null)
            : $"{AlgorithmCatalog.DisplayName(method.Cipher ?? CipherAlgorithm.Null)} + {AlgorithmCatalog.DisplayName(method.Integrity)}";
}
