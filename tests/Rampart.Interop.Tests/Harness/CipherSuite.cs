namespace Rampart.Interop.Tests.Harness;

/// <summary>One algorithm set, spelled for Rampart's CLI and for strongSwan's proposals.</summary>
public sealed record CipherSuite(string Name, string RampartMainMode, string RampartSecurityMethod, string StrongSwanIke, string StrongSwanEsp)
{
    public static readonly CipherSuite Modern = new("AES-CBC/SHA-256/DH 14", "aes-cbc-128/sha256/modp2048", "esp:aes-cbc-128/sha256", "aes128-sha256-modp2048", "aes128-sha256");

    /// <summary>The Windows 2000 set, opt-in legacy on Rampart's side.</summary>
    public static readonly CipherSuite Legacy = new("3DES/SHA-1/DH 2", "3des/sha1/modp1024", "esp:3des/sha1", "3des-sha1-modp1024", "3des-sha1");

    public static CipherSuite Named(string name) => name == nameof(Legacy) ? Legacy : Modern;

    public override string ToString() => Name;
}
