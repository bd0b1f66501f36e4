// The floor of the CLI startup benchmark: a `deno run` that does nothing but print.
console.log("hello");
