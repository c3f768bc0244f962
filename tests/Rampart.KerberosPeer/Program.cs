using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Rampart.Credentials.Kerberos;

// A member host's Kerberos side, driven line by line on stdin: "ID VERB ARGS", answered "ID ok ..." or
// "ID fail REASON MESSAGE" on stdout, each request served concurrently (answers may come out of order).
//   initiator CTX PRINCIPAL      a context that authenticates to PRINCIPAL
//   acceptor CTX PRINCIPAL       a context that accepts only PRINCIPAL
//   acceptor-for CTX ADDR        a context that accepts only the principal the resolver names for ADDR
//   step CTX TOKEN|-             the next handshake step; answers "ok TOKEN|- complete|continue"
//   mic CTX DATA                 answers "ok MIC"
//   verify CTX DATA MIC          answers "ok verified"
//   wrap CTX DATA / unwrap CTX WRAPPED   GSS_Wrap with confidentiality and GSS_Unwrap
// Tokens and data are base64. Arguments: RAMPART_HOME (joined to a realm) and the timeout in milliseconds.
var home = args[0];
var timeout = TimeSpan.FromMilliseconds(int.Parse(args[1], CultureInfo.InvariantCulture));
var store = new RealmMembershipStore(home);
var membership = store.Load() ?? throw new InvalidOperationException(home + " has not joined a realm");
KerberosEnvironment.Apply(store.Files);
using var authenticator = new KerberosAuthenticator(new KerberosAuthenticatorOptions { Timeout = timeout, KeytabPath = store.Files.Keytab });
var resolver = new PeerPrincipalResolver(membership);
var contexts = new ConcurrentDictionary<string, KerberosContext>(StringComparer.Ordinal);
var output = new Lock();

void Answer(string id, string text)
{
    lock (output)
    {
        Console.Out.WriteLine(id + " " + text);
        Console.Out.Flush();
    }
}

static string Failed<T>(GssResult<T> result) => $"fail {result.Failure} {result.Message}";

static HostPrincipal Principal(string text) =>
    KerberosNames.TryParseHostPrincipal(text, null, out var principal, out var error) ? principal : throw new ArgumentException(error);

async Task<string> Serve(string[] words)
{
    var context = words.Length > 1 ? words[1] : "";
    switch (words[0])
    {
        case "initiator":
            contexts[context] = authenticator.CreateInitiator(Principal(words[2]));
            return "ok";
        case "acceptor":
            contexts[context] = authenticator.CreateAcceptor(Principal(words[2]));
            return "ok";
        case "acceptor-for":
            var peer = await resolver.ResolveAsync(IPAddress.Parse(words[2]));
            if (peer.Principal is null)
            {
                return "fail NoName " + peer.Error;
            }

            contexts[context] = authenticator.CreateAcceptor(peer.Principal);
            return "ok " + peer.Principal;
        case "step":
            var step = await contexts[context].StepAsync(words[2] == "-" ? default : Convert.FromBase64String(words[2]));
            return step.Succeeded
                ? $"ok {(step.Value!.Token is { } token ? Convert.ToBase64String(token) : "-")} {(step.Value.IsComplete ? "complete" : "continue")}"
                : Failed(step);
        case "mic":
            var mic = await contexts[context].ComputeMicAsync(Convert.FromBase64String(words[2]));
            return mic.Succeeded ? "ok " + Convert.ToBase64String(mic.Value!) : Failed(mic);
        case "verify":
            var verified = await contexts[context].VerifyMicAsync(Convert.FromBase64String(words[2]), Convert.FromBase64String(words[3]));
            return verified.Succeeded ? "ok verified" : Failed(verified);
        case "wrap":
            var wrapped = await contexts[context].WrapAsync(Convert.FromBase64String(words[2]));
            return wrapped.Succeeded ? "ok " + Convert.ToBase64String(wrapped.Value!) : Failed(wrapped);
        case "unwrap":
            var unwrapped = await contexts[context].UnwrapAsync(Convert.FromBase64String(words[2]));
            return unwrapped.Succeeded ? "ok " + Convert.ToBase64String(unwrapped.Value!) : Failed(unwrapped);
        default:
            return "fail Usage unknown verb " + words[0];
    }
}

Console.Out.WriteLine($"ready {membership.Principal}");
Console.Out.Flush();
var pending = new List<Task>();
while (Console.In.ReadLine() is { } line)
{
    var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    if (words.Length < 2)
    {
        continue;
    }

    pending.Add(Task.Run(async () =>
    {
        try
        {
            Answer(words[0], await Serve(words[1..]));
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or IndexOutOfRangeException)
        {
            Answer(words[0], "fail Usage " + e.Message.ReplaceLineEndings(" "));
        }
    }));
}

await Task.WhenAll(pending);
