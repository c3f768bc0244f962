using System.Security.Cryptography;

namespace Rampart.Ike;

/// <summary>
/// One Main Mode authentication method of a rule, in the rule's order: <see cref="IkePreSharedKey"/> or
/// <see cref="IkeCertificateAuthentication"/> (standing for the rule's contiguous run of certificate methods). Kerberos
/// (method 65001) will be another subclass; its GSS token round trips, computed off the IKE loop, would pause Main Mode
/// the way peer certificate validation does.
/// </summary>
public abstract class IkeAuthentication : IDisposable
{
    private protected IkeAuthentication()
    {
    }

    /// <summary>A copy the peer configuration owns (secrets duplicated, so each owner zeroes its own).</summary>
    internal abstract IkeAuthentication Copy();

    /// <summary>Zeroes what this method holds secret: the peer configuration made its own copy.</summary>
    public void Dispose()
    {
        Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>Zeroes what this method holds secret.</summary>
    internal virtual void Clear()
    {
    }
}

/// <summary>Pre-shared key authentication (RFC 2409 §5.4). The key never appears in <see cref="ToString"/>.</summary>
public sealed class IkePreSharedKey : IkeAuthentication
{
    private readonly byte[] _key;

    public IkePreSharedKey(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
        {
            throw new ArgumentException("a pre-shared key must not be empty", nameof(key));
        }

        _key = key.ToArray();
    }

    public ReadOnlySpan<byte> Key => _key;

    public override string ToString() => "pre-shared key (redacted)";

    internal override IkeAuthentication Copy() => new IkePreSharedKey(_key);

    internal override void Clear() => CryptographicOperations.ZeroMemory(_key);
}
