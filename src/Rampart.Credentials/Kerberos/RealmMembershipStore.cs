using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Rampart.Store;

namespace Rampart.Credentials.Kerberos;

/// <summary>
/// Joins, shows and leaves a realm under <c>$RAMPART_HOME/kerberos</c> (<see cref="RealmFiles"/>). Every input is
/// checked before anything is written; each file is written to a temporary name (0600) and renamed over the old one,
/// and <c>realm.json</c> goes last, so a crash leaves either the old membership or the new one, never a mix.
/// </summary>
public sealed class RealmMembershipStore
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = PrivateFile | UnixFileMode.UserExecute;

    private readonly TimeProvider _time;

    public RealmMembershipStore(string home, TimeProvider? time = null)
    {
        Files = new RealmFiles(home);
        _time = time ?? TimeProvider.System;
    }

    public RealmFiles Files { get; }

    /// <summary>The membership, or null when the host has not joined a realm.</summary>
    public RealmMembership? Load()
    {
        StateDirectory.Check(Files.Home);
        StateDirectory.CheckSubdirectory(Files.Home, Files.Directory);
        if (!File.Exists(Files.Membership))
        {
            return null;
        }

        StateDirectory.RefuseNonRegularFile(Files.Home, Files.Membership);
        try
        {
            return Parse(File.ReadAllBytes(Files.Membership));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{Files.Membership} is damaged ({e.Message}); run rampart realm leave and join again", e);
        }
    }

    /// <summary>
    /// Joins <paramref name="realm"/>: checks every input, copies the keytab (which must hold the host's principal) and
    /// writes the private krb5.conf. Without <paramref name="principal"/> the keytab's only <c>host/</c> principal of
    /// the realm is the host's. Returns the new membership; throws <see cref="RealmMembershipException"/> with the reason.
    /// </summary>
    public RealmMembership Join(string realm, string kdc, string keytabPath, string? principal, IEnumerable<string> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        if (!KerberosNames.TryParseRealm(realm, out var realmName, out var error)
            || !KdcEndpoint.TryParse(kdc, out var endpoint, out error))
        {
            throw new RealmMembershipException(error);
        }

        var mapped = new Dictionary<IPAddress, string>();
        foreach (var peer in peers)
        {
            if (!PeerMapping.TryParse(peer, out var address, out var host, out error))
            {
                throw new RealmMembershipException(error);
            }

            mapped[address] = host;
        }

        var keytab = ReadKeytab(keytabPath);
        var inKeytab = Keytab.Principals(keytab);
        var hostPrincipal = ChoosePrincipal(realmName, principal, inKeytab, keytabPath);
        var membership = new RealmMembership(realmName, endpoint, hostPrincipal, mapped, _time.GetUtcNow());

        PrepareDirectory();
        WriteAtomically(Files.Keytab, keytab);
        Array.Clear(keytab);
        Save(membership);
        return membership;
    }

    /// <summary>Names the peer at an address for this realm (replacing an earlier name); the membership must exist.</summary>
    public RealmMembership AddPeer(string mapping)
    {
        if (!PeerMapping.TryParse(mapping, out var address, out var host, out var error))
        {
            throw new RealmMembershipException(error);
        }

        var updated = Required().WithPeer(address, host);
        Save(updated);
        return updated;
    }

    /// <summary>Forgets the explicit name of the peer at an address.</summary>
    public RealmMembership RemovePeer(string addressText)
    {
        if (!PeerMapping.TryParseAddress(addressText, out var address, out var error))
        {
            throw new RealmMembershipException(error);
        }

        var current = Required();
        if (!current.Peers.ContainsKey(address))
        {
            throw new RealmMembershipException($"no peer name is set for {address}");
        }

        var updated = current.WithoutPeer(address);
        Save(updated);
        return updated;
    }

    /// <summary>Leaves the realm: removes the membership first, then the configuration, keytab and replay cache. Returns the realm left.</summary>
    public string Leave()
    {
        var current = Required();
        File.Delete(Files.Membership);
        File.Delete(Files.Configuration);
        File.Delete(Files.Keytab);
        if (System.IO.Directory.Exists(Files.ReplayCache))
        {
            System.IO.Directory.Delete(Files.ReplayCache, recursive: true);
        }

        return current.Realm;
    }

    private RealmMembership Required() =>
        Load() ?? throw new RealmMembershipException("this host is not a member of a realm (rampart realm join REALM --kdc ADDR --keytab FILE)");

    private void Save(RealmMembership membership)
    {
        PrepareDirectory();
        WriteAtomically(Files.Configuration, Encoding.UTF8.GetBytes(Krb5Configuration.Render(membership, Files.Keytab)));
        WriteAtomically(Files.Membership, Serialize(membership));
    }

    private static HostPrincipal ChoosePrincipal(string realm, string? given, IReadOnlyList<string> inKeytab, string keytabPath)
    {
        if (given is not null)
        {
            if (!KerberosNames.TryParseHostPrincipal(given, realm, out var parsed, out var error))
            {
                throw new RealmMembershipException(error);
            }

            return inKeytab.Contains(parsed.ToString(), StringComparer.Ordinal)
                ? parsed
                : throw new RealmMembershipException($"keytab {keytabPath} holds no key for {parsed} (it holds: {Listed(inKeytab)})");
        }

        var candidates = inKeytab
            .Select(name => KerberosNames.TryParseHostPrincipal(name, realm, out var principal, out _) ? principal : null)
            .OfType<HostPrincipal>()
            .ToList();
        return candidates.Count switch
        {
            1 => candidates[0],
            0 => throw new RealmMembershipException($"keytab {keytabPath} holds no host/NAME@{realm} principal (it holds: {Listed(inKeytab)})"),
            _ => throw new RealmMembershipException($"keytab {keytabPath} holds several host principals of {realm}; choose one with --principal ({Listed(inKeytab)})"),
        };
    }

    private static string Listed(IReadOnlyList<string> principals) =>
        principals.Count == 0 ? "nothing" : string.Join(", ", principals.Select(KerberosNames.Printable));

    private static byte[] ReadKeytab(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read);
            if (file.Length > Keytab.MaxSize)
            {
                throw new RealmMembershipException($"keytab {path} is larger than {Keytab.MaxSize} bytes; is it a keytab?");
            }

            var data = new byte[file.Length];
            file.ReadExactly(data);
            Keytab.Principals(data);
            return data;
        }
        catch (InvalidDataException e)
        {
            throw new RealmMembershipException($"keytab {path} is not readable as a keytab: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RealmMembershipException($"cannot read keytab {path}: {e.Message}", e);
        }
    }

    private void PrepareDirectory()
    {
        StateDirectory.Prepare(Files.Home);
        if (!System.IO.Directory.Exists(Files.Directory))
        {
            System.IO.Directory.CreateDirectory(Files.Directory, PrivateDirectory);
        }

        StateDirectory.CheckSubdirectory(Files.Home, Files.Directory);
        StateDirectory.RefuseLinksIn(Files.Home, Files.Directory);
        if (!System.IO.Directory.Exists(Files.ReplayCache))
        {
            System.IO.Directory.CreateDirectory(Files.ReplayCache, PrivateDirectory);
        }

        StateDirectory.CheckSubdirectory(Files.Home, Files.ReplayCache);
    }

    /// <summary>Writes a new file (0600) beside <paramref name="path"/>, syncs it, and renames it over the old one.</summary>
    private static void WriteAtomically(string path, byte[] content)
    {
        var temporary = path + ".new-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        File.Delete(temporary);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = PrivateFile };
            using (var file = new FileStream(temporary, options))
            {
                file.Write(content);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static byte[] Serialize(RealmMembership membership)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("realm", membership.Realm);
            writer.WriteString("kdc", membership.Kdc.ToString());
            writer.WriteString("principal", membership.Principal.ToString());
            writer.WriteString("joinedAt", membership.JoinedAt);
            writer.WriteStartObject("peers");
            foreach (var (address, host) in membership.Peers.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
            {
                writer.WriteString(address.ToString(), host);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static RealmMembership Parse(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var realmText = root.GetProperty("realm").GetString();
        if (!KerberosNames.TryParseRealm(realmText, out var realm, out var error)
            || !KdcEndpoint.TryParse(root.GetProperty("kdc").GetString(), out var kdc, out error)
            || !KerberosNames.TryParseHostPrincipal(root.GetProperty("principal").GetString(), realm, out var principal, out error))
        {
            throw new FormatException(error);
        }

        var peers = new Dictionary<IPAddress, string>();
        foreach (var peer in root.GetProperty("peers").EnumerateObject())
        {
            if (!PeerMapping.TryParseAddress(peer.Name, out var address, out error) || !KerberosNames.TryParseHost(peer.Value.GetString(), out var host, out error))
            {
                throw new FormatException(error);
            }

            peers[address] = host;
        }

        return new RealmMembership(realm, kdc, principal, peers, root.GetProperty("joinedAt").GetDateTimeOffset());
    }
}
