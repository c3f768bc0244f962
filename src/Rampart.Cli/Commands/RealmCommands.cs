using System.CommandLine;
using System.Globalization;
using Rampart.Credentials.Kerberos;
using Rampart.Store;

namespace Rampart.Cli.Commands;

/// <summary>
/// <c>rampart realm ...</c>: join, show, leave a Kerberos realm, and name peers (<c>peer add ADDR=NAME</c>,
/// <c>peer remove ADDR</c>). The membership lives in <c>$RAMPART_HOME/kerberos</c> (<see cref="RealmMembershipStore"/>).
/// </summary>
internal static class RealmCommands
{
    public static Command Create() => new("realm", "Kerberos realm membership: the host's principal, keytab and KDC")
    {
        Join(), Show(), Leave(), Peer(),
    };

    private static Command Join()
    {
        var realm = new Argument<string>("realm") { Description = "The realm, e.g. RAMPART.TEST" };
        var kdc = new Option<string>("--kdc") { Description = "The KDC's IP address, port 88 unless given", HelpName = "ADDR[:PORT]", Required = true };
        var keytab = new Option<string>("--keytab") { Description = "A keytab holding the host's key; it is copied (0600)", HelpName = "FILE", Required = true };
        var principal = new Option<string>("--principal") { Description = "The host's principal (default: the keytab's only host/ principal of the realm)", HelpName = "host/NAME@REALM" };
        var peer = new Option<string[]>("--peer") { Description = "The peer at ADDR is host/NAME@REALM (repeatable; otherwise its name comes from /etc/hosts or DNS)", HelpName = "ADDR=NAME" };
        var command = new Command("join", "Join a realm: copy the keytab and write a private Kerberos configuration (no DNS, no /etc/krb5.conf)")
        {
            realm, kdc, keytab, principal, peer,
        };
        command.SetAction(parse => Change(store =>
        {
            var previous = store.Load();
            var joined = store.Join(parse.GetValue(realm)!, parse.GetValue(kdc)!, parse.GetValue(keytab)!, parse.GetValue(principal), parse.GetValue(peer) ?? []);
            var replacing = previous is null ? "" : $" (replacing the membership of {previous.Realm})";
            return $"joined realm {joined.Realm} as {joined.Principal}, KDC {joined.Kdc}{replacing}";
        }));
        return command;
    }

    private static Command Show()
    {
        var json = Cli.JsonOption();
        var command = new Command("show", "Show the realm this host is a member of") { json };
        command.SetAction(parse =>
        {
            var store = Store();
            var membership = store.Load();
            if (parse.GetValue(json))
            {
                return Cli.WriteJson(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteBoolean("joined", membership is not null);
                    if (membership is not null)
                    {
                        writer.WriteString("realm", membership.Realm);
                        writer.WriteString("kdc", membership.Kdc.ToString());
                        writer.WriteString("principal", membership.Principal.ToString());
                        writer.WriteString("keytab", store.Files.Keytab);
                        writer.WriteString("configuration", store.Files.Configuration);
                        writer.WriteString("joinedAt", membership.JoinedAt);
                        writer.WriteStartArray("peers");
                        foreach (var (address, host) in Ordered(membership))
                        {
                            writer.WriteStartObject();
                            writer.WriteString("address", address);
                            writer.WriteString("principal", HostPrincipal.For(host, membership.Realm).ToString());
                            writer.WriteEndObject();
                        }

                        writer.WriteEndArray();
                    }

                    writer.WriteEndObject();
                });
            }

            if (membership is null)
            {
                Console.WriteLine("not a member of a realm (rampart realm join REALM --kdc ADDR[:PORT] --keytab FILE)");
                return CliRunner.Success;
            }

            Console.WriteLine($"Realm:         {membership.Realm}");
            Console.WriteLine($"KDC:           {membership.Kdc}");
            Console.WriteLine($"Principal:     {membership.Principal}");
            Console.WriteLine($"Keytab:        {store.Files.Keytab}");
            Console.WriteLine($"Configuration: {store.Files.Configuration}");
            Console.WriteLine($"Joined:        {membership.JoinedAt.ToString("u", CultureInfo.InvariantCulture)}");
            Console.WriteLine(membership.Peers.Count == 0 ? "Peers:         (names from /etc/hosts or DNS)" : "Peers:");
            foreach (var (address, host) in Ordered(membership))
            {
                Console.WriteLine($"  {address} = {HostPrincipal.For(host, membership.Realm)}");
            }

            return CliRunner.Success;
        });
        return command;
    }

    private static Command Leave()
    {
        var command = new Command("leave", "Leave the realm: remove the keytab copy and the Kerberos configuration");
        command.SetAction(_ => Change(store => $"left realm {store.Leave()}"));
        return command;
    }

    private static Command Peer()
    {
        var mapping = new Argument<string>("mapping") { Description = "ADDR=NAME: the peer at ADDR is host/NAME@REALM" };
        var add = new Command("add", "Name the peer at an address (wins over /etc/hosts and DNS)") { mapping };
        add.SetAction(parse => Change(store =>
        {
            var updated = store.AddPeer(parse.GetValue(mapping)!);
            return $"peer names: {string.Join(", ", Ordered(updated).Select(p => $"{p.Address} = {HostPrincipal.For(p.Host, updated.Realm)}"))}";
        }));

        var address = new Argument<string>("address") { Description = "The peer's IP address" };
        var remove = new Command("remove", "Forget a peer's explicit name (its name comes from /etc/hosts or DNS again)") { address };
        remove.SetAction(parse => Change(store =>
        {
            store.RemovePeer(parse.GetValue(address)!);
            return $"removed the name of {parse.GetValue(address)}";
        }));
        return new Command("peer", "Explicit names of peers (host/NAME@REALM by address)") { add, remove };
    }

    private static IEnumerable<(string Address, string Host)> Ordered(RealmMembership membership) =>
        membership.Peers.Select(p => (p.Key.ToString(), p.Value)).OrderBy(p => p.Item1, StringComparer.Ordinal);

    private static RealmMembershipStore Store()
    {
        if (!StateDirectory.CallerOwns(StoreLocation.Home))
        {
            throw new PermissionDeniedException("permission denied: the realm membership needs root");
        }

        return new RealmMembershipStore(StoreLocation.Home);
    }

    private static int Change(Func<RealmMembershipStore, string> change)
    {
        try
        {
            Console.WriteLine(change(Store()));
            return CliRunner.Success;
        }
        catch (RealmMembershipException e)
        {
            return Cli.Fail(e.Message);
        }
    }
}
