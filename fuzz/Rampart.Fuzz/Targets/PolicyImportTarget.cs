using System.Text;
using System.Text.Json;
using Rampart.Core.Policy;

namespace Rampart.Fuzz.Targets;

/// <summary>
/// <c>rampart policy import</c> on arbitrary text: the reader, the import edit over the built-in store, the validator,
/// and an export of what was read. Only clean errors are allowed; an export must read back as the same document.
/// </summary>
internal sealed class PolicyImportTarget : IFuzzTarget
{
    public string Name => "policy-import";

    public void Run(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        if (!PolicyJsonReader.TryReadDocument(text, out var document, out _))
        {
            return;
        }

        var edit = PolicyEditor.ImportPolicy(BuiltInPolicies.Snapshot, document);
        if (edit.Succeeded)
        {
            PolicyValidator.Validate(edit.Snapshot!);
        }

        var exported = Export(document);
        if (!PolicyJsonReader.TryReadDocument(exported, out var again, out var error))
        {
            throw new FuzzInvariantException($"an imported policy exports to a document that does not import: {error}");
        }

        if (Export(again) != exported)
        {
            throw new FuzzInvariantException("an imported policy does not export the same way twice");
        }
    }

    public IEnumerable<(string Name, byte[] Input)> Seeds()
    {
        var snapshot = BuiltInPolicies.Snapshot;
        foreach (var policy in snapshot.Policies)
        {
            yield return (policy.Name.Split(' ')[0].ToLowerInvariant(), Encoding.UTF8.GetBytes(Export(PolicyDocument.From(snapshot, policy))));
        }

        yield return ("partner", Encoding.UTF8.GetBytes(Export(Partner())));
    }

    private static string Export(PolicyDocument document)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            PolicyJsonWriter.WriteDocument(writer, document, includeSecrets: true);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The README walkthrough's Partner policy, built with the CLI's edits.</summary>
    private static PolicyDocument Partner()
    {
        var snapshot = BuiltInPolicies.Snapshot;
        snapshot = PolicyEditor.CreatePolicy(snapshot, "Partner", "walkthrough", defaultResponseRule: false).Snapshot!;
        snapshot = PolicyEditor.CreateFilterList(snapshot, "Partner Filter", "").Snapshot!;
        return PolicyDocument.From(snapshot, snapshot.FindPolicy("Partner")!);
    }
}
