using System.CommandLine;

var root = new RootCommand("rampart: policy-driven IPsec for Linux");
return root.Parse(args).Invoke();
