"""Runs the CloudFront viewer-request function from the template in Node
(CloudFront Functions are JavaScript) against the paths zola produces."""

import json
import subprocess
import sys

import template

# (request uri, expected: the uri S3 is asked for, or the redirect target)
CASES = [
    ("/", ("forward", "/index.html")),
    ("/contact/", ("forward", "/contact/index.html")),
    ("/en/sign-up/", ("forward", "/en/sign-up/index.html")),
    ("/contact", ("redirect", "/contact/")),
    ("/en/refer", ("redirect", "/en/refer/")),
    ("/style.css", ("forward", "/style.css")),
    ("/js/forms.js", ("forward", "/js/forms.js")),
    ("/404.html", ("forward", "/404.html")),
]

HARNESS = """
const code = require('fs').readFileSync(0, 'utf8');
const handler = new Function(code + '\\nreturn handler;')();
const out = JSON.parse(process.argv[1]).map((uri) => {
  const result = handler({ request: { uri, method: 'GET', headers: {}, querystring: {} } });
  return result.statusCode
    ? ['redirect', result.headers.location.value, result.statusCode]
    : ['forward', result.uri];
});
console.log(JSON.stringify(out));
"""


def main():
    function = template.only_resource(template.load(), "AWS::CloudFront::Function")
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    code = function["Properties"]["FunctionCode"]
    run = subprocess.run(["node", "-e", HARNESS, json.dumps([uri for uri, _ in CASES])],
                         input=code, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.exit(f"the CloudFront function does not run:\n{run.stderr}")
    failures = []
    for (uri, want), got in zip(CASES, json.loads(run.stdout)):
        if tuple(got[:2]) != want or (got[0] == "redirect" and got[2] != 301):
            failures.append(f"  {uri}: want {want}, got {got}")
    if failures:
        sys.exit("directory-index function:\n" + "\n".join(failures))
    print(f"directory-index function: {len(CASES)} paths map as expected")


if __name__ == "__main__":
    main()
