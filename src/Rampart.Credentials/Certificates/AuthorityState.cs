using System.Text.Json.Serialization;

namespace Rampart.Credentials.Certificates;

/// <summary>A test CA's bookkeeping (<c>ca.json</c>): its key algorithm, what it issued and revoked, the last CRL number.</summary>
internal sealed class AuthorityState
{
    public CaKeyAlgorithm Key { get; set; }

    public long CrlNumber { get; set; }

    public List<IssuedEntry> Issued { get; set; } = [];

    public List<RevokedEntry> Revoked { get; set; } = [];
}

internal sealed class IssuedEntry
{
    public string Serial { get; set; } = "";

    public string Subject { get; set; } = "";

    public DateTime NotAfter { get; set; }
}

internal sealed class RevokedEntry
{
    public string Serial { get; set; } = "";

    public DateTimeOffset RevokedAt { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(AuthorityState))]
internal sealed partial class AuthorityStateContext : JsonSerializerContext;
