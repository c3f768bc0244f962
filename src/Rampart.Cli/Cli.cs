using System.CommandLine;
using System.Text.Json;
using Rampart.Core.Policy;
using Rampart.Store;

namespace Rampart.Cli;

/// <summary>What every command does: open the store, apply one edit as one transaction, print the outcome.</summary>
internal static class Cli
{
    public static Option<bool> JsonOption() => new("--json") { Description = "Write JSON to stdout" };

    /// <summary>
    /// Applies an edit; prints its message, or its errors on stderr and exits 1. An edit assigning a policy, or
    /// changing the assigned one, is refused when its certificate methods cannot work here (<see cref="CertificateGate"/>).
    /// </summary>
    public static int Update(Func<PolicySnapshot, PolicyEdit> edit)
    {
        RequireStoreAccess("changing the policy store");
        using var store = SqlitePolicyStore.Open();
        var result = store.Update(before => CertificateGate.Apply(before, edit(before)));
        if (!result.Committed)
        {
            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine($"rampart: {error}");
            }

            return CliRunner.Failure;
        }

        Console.WriteLine(result.Message);
        AgentClient.NotifyPolicyChanged();
        return CliRunner.Success;
    }

    public static PolicySnapshot Load()
    {
        RequireStoreAccess("reading the policy store");
        using var store = SqlitePolicyStore.Open();
        return store.Load();
    }

    /// <summary>
    /// For <c>policy list/show</c>: root reads the store; anyone else (who cannot read it) asks the agent, which
    /// answers members of the control group with the keys withheld.
    /// </summary>
    public static PolicySnapshot LoadForViewing()
    {
        if (StateDirectory.CallerOwns(StoreLocation.Home))
        {
            return Load();
        }

        var response = AgentClient.Send("policy.view");
        return response.Ok && response.Result is { } view
            ? PolicyViewReader.Read(view)
            : throw new PermissionDeniedException(response.Error ?? "the agent refused the request");
    }

    /// <summary>The store is root's (0600 in a 0700 or 0710 directory): say so instead of failing on a file mode.</summary>
    public static void RequireStoreAccess(string what)
    {
        if (!StateDirectory.CallerOwns(StoreLocation.Home))
        {
            throw new PermissionDeniedException($"permission denied: {what} needs root");
        }
    }

    public static int Fail(string message)
    {
        Console.Error.WriteLine($"rampart: {message}");
        return CliRunner.Failure;
    }

    /// <summary>A value that does not parse is a usage error, like an unknown option.</summary>
    public static int Usage(string message)
    {
        Console.Error.WriteLine($"rampart: {message}");
        return CliRunner.UsageError;
    }

    public static int WriteJson(Action<Utf8JsonWriter> write)
    {
        Console.WriteLine(PolicyJsonWriter.ToJson(write));
        return CliRunner.Success;
    }

    public static string Legacy(bool isLegacy) => isLegacy ? " (legacy)" : "";

    /// <summary>Prints rows as left-aligned columns under a header.</summary>
    public static void WriteTable(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = header.Select((_, column) => all.Max(row => row[column].Length)).ToList();
        foreach (var row in all)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, column) => column == row.Count - 1 ? cell : cell.PadRight(widths[column]))).TrimEnd());
        }
    }
}
