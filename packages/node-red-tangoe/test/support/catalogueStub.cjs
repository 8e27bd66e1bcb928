/**
 * Preloaded (`node --require`) into `node-red-dev validate`: answers the one URL it needs that
 * this machine cannot reach, https://catalogue.nodered.org/catalogue.json, with an empty
 * catalogue. Every other request (the npm registry for P06/P07, npm-check for D03) is real.
 */
const { dirname } = require("node:path")

const CATALOGUE = "https://catalogue.nodered.org/catalogue.json"
const validator = dirname(require.resolve("node-red-dev/package.json", { paths: [process.cwd(), __dirname] }))
const axios = require(require.resolve("axios", { paths: [validator] }))
const get = axios.get
axios.get = function (url, ...rest) {
  if (url === CATALOGUE)
    return Promise.resolve({ status: 200, data: { name: "stub", updated_at: "", modules: [] } })
  return get.call(this, url, ...rest)
}
